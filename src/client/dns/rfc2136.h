// dns-01 through the zone's primary DNS server as a Provider: TSIG-signed
// DNS UPDATEs (RFC 2136, RFC 8945) through core/dns/update. The zone is the
// one the server is authoritative for (SOA queries, certbot's way); values
// are added to the RRset, never replacing it, so an apex and its wildcard
// (two values at one name) are answered at once; all records of one zone go
// in one UPDATE (one serial bump, one NOTIFY; split every
// Updater::kMaxRecordsPerUpdate records). certbot's dns-rfc2136 plugin takes
// the same credentials file (it sends one UPDATE per record).
#pragma once

#include <memory>
#include <string>

#include "client/dns/provider.h"
#include "core/dns/update.h"

namespace acmekit::client::dns_api {

// Reads certbot's INI credentials file (dns_rfc2136_server, _port, _name,
// _secret, _algorithm); warns when others may read it. Errors name the file
// and the key, never the secret.
Result<std::unique_ptr<Provider>> make_rfc2136(const std::string& credentials_path);
// The same for a server already known (tests).
std::unique_ptr<Provider> make_rfc2136(acmekit::dns::UpdateServer server);

}  // namespace acmekit::client::dns_api
