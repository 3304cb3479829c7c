// The text of the snippet an nginx http-01 authenticator includes in the
// matching HTTP server blocks (nginx_edit.h add_include / remove_include):
// one exact-match location per challenge, which takes precedence over every
// prefix and regex location of the block (nginx's location rules).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "client/install/nginx_includes.h"
#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

// location = /.well-known/acme-challenge/TOKEN {
//     default_type text/plain;
//     return 200 "KEYAUTH";
// }
// for each response. kInvalidArgument when a token or key authorization
// holds characters outside base64url and "." (nothing then needs escaping).
Result<std::string> http01_snippet(const std::vector<Http01Response>& responses);

// location ^~ /.well-known/acme-challenge/ { default_type text/plain; root WEBROOT; }
// for token files written under WEBROOT (the webroot solver's layout).
Result<std::string> http01_webroot_snippet(const std::string& webroot);

// The files that change, path -> new text: `include SNIPPET;` added to
// every HTTP server block nginx picks for one of `names` (best_servers),
// once per block, as its first directive (add_include_first). kNotFound
// naming every name no HTTP block serves.
Result<std::map<std::string, std::string>> add_challenge_includes(const NginxConfig& config,
                                                                 const std::vector<std::string>& names,
                                                                 std::string_view snippet);

// The files that change, path -> new text: every `include SNIPPET;` taken
// out (each file as it was before add_challenge_includes, byte for byte).
Result<std::map<std::string, std::string>> remove_challenge_includes(const NginxConfig& config,
                                                                    std::string_view snippet);

}  // namespace acmekit::client::install
