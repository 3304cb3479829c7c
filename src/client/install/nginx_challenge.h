// The text of the snippet an nginx http-01 authenticator includes in the
// matching HTTP server blocks (nginx_edit.h add_include / remove_include):
// one exact-match location per challenge, which takes precedence over every
// prefix and regex location of the block (nginx's location rules).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace acmekit::client::install {

struct Http01Response {
  std::string token;              // RFC 8555 §8.3: base64url
  std::string key_authorization;  // token "." thumbprint (§8.1)
};

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

}  // namespace acmekit::client::install
