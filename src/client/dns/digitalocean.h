// DigitalOcean DNS through its v2 API (docs.digitalocean.com/reference/api):
// the account's domains (GET /v2/domains, paginated; the longest one holding
// the name), one POST /v2/domains/D/records per value (name relative to the
// domain, certbot-dns-digitalocean's TTL 30), and exactly ours deleted (GET
// records by type + FQDN, DELETE by id). Errors quote the API's {"id",
// "message"}. Credentials: certbot's key,
//   dns_digitalocean_token = TOKEN           (write scope; Bearer)
//   dns_digitalocean_api_url = URL           (acmekit's: another base URL, for tests;
//                                             default https://api.digitalocean.com/v2)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kDigitalOceanApi = "https://api.digitalocean.com/v2";

Result<std::unique_ptr<Provider>> make_digitalocean(const CredentialsFile& credentials,
                                                    std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
