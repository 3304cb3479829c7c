// PowerDNS Authoritative through its HTTP API (doc.powerdns.com/authoritative/http-api):
// the zones of server `localhost`, and one PATCH per zone whose rrsets
// REPLACE each challenge name's TXT set with what was there plus (or minus)
// our values, so other TXT values at the name stay. Credentials: the keys
// of certbot-dns-powerdns,
//   dns_powerdns_api_url = https://pdns.example.com:8081   (/api/v1 appended unless there)
//   dns_powerdns_api_key = SECRET                           (sent as X-API-Key, never logged)
//   dns_powerdns_server_id = localhost                      (optional)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

Result<std::unique_ptr<Provider>> make_powerdns(const CredentialsFile& credentials,
                                                std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
