// http-01 through a running Apache httpd: the token files, the snippet that
// serves them, and its Include in the matching HTTP virtual hosts (and out
// again, byte for byte).
//
// The snippet (as certbot-apache's http_01 does, written anew):
//   <IfModule mod_rewrite.c>
//       RewriteEngine on
//       RewriteRule ^/\.well-known/acme-challenge/([A-Za-z0-9_-]+)$ TOKENS/$1 [END]
//   </IfModule>
//   <IfModule mod_alias.c>
//       Alias /.well-known/acme-challenge TOKENS
//   </IfModule>
//   <Directory TOKENS>
//       Require all granted
//       ForceType text/plain
//   </Directory>
// It is included as the FIRST directive of each vhost, so its rewrite rule
// runs before the vhost's own (a vhost's rules run in order; [END] stops
// them, and mod_rewrite's translate hook runs before mod_alias's, so a
// `Redirect / https://...` of the vhost does not answer the challenge
// either). Without mod_rewrite the Alias answers, unless the vhost
// redirects with mod_alias.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "client/install/apache_includes.h"
#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

// The snippet above for token files in `tokens_dir` (absolute).
Result<std::string> apache_http01_snippet(const std::filesystem::path& tokens_dir);

// tokens_dir/TOKEN -> key authorization, per response. kInvalidArgument
// when a token or key authorization holds characters outside base64url
// and "." (a token then cannot name a file outside the directory).
Result<FileEdits> apache_http01_token_files(const std::filesystem::path& tokens_dir,
                                            const std::vector<Http01Response>& responses);

// The files that change: `Include SNIPPET` as the first directive of every
// HTTP vhost httpd picks for one of `names` (pick_vhosts: the name's vhost
// per address set, else the sets' defaults), once per vhost. kNotFound
// naming every name no HTTP vhost serves. Paths as the configuration read
// them.
Result<FileEdits> add_challenge_includes(const ApacheConfig& config, const std::vector<std::string>& names,
                                         std::string_view snippet);

// Every `Include SNIPPET` taken out again: each file as it was before
// add_challenge_includes, byte for byte.
Result<FileEdits> remove_challenge_includes(const ApacheConfig& config, std::string_view snippet);

}  // namespace acmekit::client::install
