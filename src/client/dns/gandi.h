// Gandi LiveDNS through its v5 API (api.gandi.net/docs/livedns): the
// account's zones (GET /domains, paged by page/per_page; the longest one
// holding the name), then per name the TXT rrset (GET
// /domains/ZONE/records/NAME/TXT: rrset_values, each a quoted string) written
// back whole with PUT: the existing values plus ours; on cleanup the
// remainder, or DELETE of the rrset when only ours were there.
// Credentials: certbot-plugin-gandi's keys,
//   dns_gandi_token = PAT                  (a Personal Access Token, sent as "Authorization: Bearer PAT")
//   dns_gandi_api_key = KEY                (the legacy API key, sent as "Authorization: Apikey KEY")
//   dns_gandi_api_url = URL                (acmekit's: another base URL, for tests;
//                                           default https://api.gandi.net/v5/livedns)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kGandiApi = "https://api.gandi.net/v5/livedns";
// LiveDNS refuses an rrset_ttl under 300 seconds.
inline constexpr int kGandiTtl = 300;

Result<std::unique_ptr<Provider>> make_gandi(const CredentialsFile& credentials, std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
