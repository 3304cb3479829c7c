// Cloudflare DNS through its v4 API (developers.cloudflare.com/api): the
// zone by name (GET /zones?name=, the name's suffixes longest first, as
// certbot-dns-cloudflare does), one POST /zones/ID/dns_records per value,
// and DELETE of exactly the records whose content is ours. Errors quote the
// API's codes ("9109 Invalid access token"). Credentials: certbot's keys,
//   dns_cloudflare_api_token = TOKEN        (Zone:Read + DNS:Edit; Bearer)
// or the global key: dns_cloudflare_email + dns_cloudflare_api_key.
//   dns_cloudflare_api_url = URL            (acmekit's: another base URL, for tests;
//                                            default https://api.cloudflare.com/client/v4)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kCloudflareApi = "https://api.cloudflare.com/client/v4";

Result<std::unique_ptr<Provider>> make_cloudflare(const CredentialsFile& credentials,
                                                  std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
