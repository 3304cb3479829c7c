#include "client/install/nginx_challenge.h"

#include <algorithm>

#include "client/install/nginx_config.h"

namespace acmekit::client::install {
namespace {

bool base64url_or_dot(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.';
  });
}

}  // namespace

Result<std::string> http01_snippet(const std::vector<Http01Response>& responses) {
  std::string out;
  for (const auto& r : responses) {
    if (!base64url_or_dot(r.token) || r.token.find('.') != std::string::npos) {
      return make_error(ErrorKind::kInvalidArgument, "an http-01 token that is not base64url");
    }
    if (!base64url_or_dot(r.key_authorization)) {
      return make_error(ErrorKind::kInvalidArgument, "an http-01 key authorization that is not base64url.base64url");
    }
    out += "location = /.well-known/acme-challenge/" + r.token + " {\n";
    out += "    default_type text/plain;\n";
    out += "    return 200 \"" + r.key_authorization + "\";\n";
    out += "}\n";
  }
  return out;
}

Result<std::string> http01_webroot_snippet(const std::string& webroot) {
  ACMEKIT_TRY(std::string root, nginx_word(webroot));
  return "location ^~ /.well-known/acme-challenge/ {\n    default_type text/plain;\n    root " + root + ";\n}\n";
}

}  // namespace acmekit::client::install
