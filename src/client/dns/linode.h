// Linode DNS through its API v4 (techdocs.akamai.com/linode-api): the
// account's domains (GET /v4/domains, paginated; the longest one holding the
// name), one POST /v4/domains/ID/records per value (name relative to the
// domain), and exactly ours deleted (the domain's TXT records by name and
// target, DELETE by id). Errors quote the API's {"errors": [{"reason"}]}.
// Credentials: certbot-dns-linode's key,
//   dns_linode_key = TOKEN                   (Domains read/write; Bearer)
//   dns_linode_api_url = URL                 (acmekit's: another base URL, for tests;
//                                             default https://api.linode.com/v4)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kLinodeApi = "https://api.linode.com/v4";

Result<std::unique_ptr<Provider>> make_linode(const CredentialsFile& credentials, std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
