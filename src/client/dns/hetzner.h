// Hetzner DNS through its API (dns.hetzner.com/api-docs): the account's
// zones (GET /zones, paginated; the longest one holding the name), one
// POST /records/bulk per zone for all its values (names relative to the
// zone), and exactly ours deleted (GET /records?zone_id=, DELETE by id).
// Credentials: certbot-dns-hetzner's key,
//   dns_hetzner_api_token = TOKEN            (sent as Auth-API-Token)
//   dns_hetzner_api_url = URL                (acmekit's: another base URL, for tests;
//                                             default https://dns.hetzner.com/api/v1)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kHetznerApi = "https://dns.hetzner.com/api/v1";

Result<std::unique_ptr<Provider>> make_hetzner(const CredentialsFile& credentials,
                                               std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
