// acme-dns (github.com/joohoi/acme-dns): a small DNS server that only holds
// _acme-challenge TXT records, updated through its HTTP API. The user's
// _acme-challenge.NAME is a CNAME to an acme-dns subdomain (FULLDOMAIN); the
// solver follows it, and this provider POSTs /update for that subdomain with
// its account (X-Api-User, X-Api-Key). acme-dns keeps the two newest values
// per subdomain (a name and its wildcard), has no delete: cleanup does nothing.
// Credentials: certbot-dns-acmedns's keys,
//   dns_acmedns_api_url = https://auth.example.org
//   dns_acmedns_registration_file = /etc/acmekit/acmedns.json
// The registration file (JSON, 0600 or refused: it holds the passwords) maps
// each domain to its account, as that plugin and acme-dns-client write it:
//   {"example.com": {"username": "...", "password": "...", "fulldomain": "...",
//                    "subdomain": "...", "allowfrom": []}}
// A domain not in it is registered (POST /register), saved there, and the
// run stops asking for the CNAME to be created.
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

Result<std::unique_ptr<Provider>> make_acmedns(const CredentialsFile& credentials,
                                               std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
