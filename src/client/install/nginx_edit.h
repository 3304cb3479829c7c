// The installer's changes to an nginx configuration file. Each operation
// takes a parsed file and a block of it and returns the file's new text:
// only the bytes it means to change differ (every other byte, comment and
// blank line stays); inserted lines take the indentation of the block's
// other directives (one level deeper than the block, tab or four spaces as
// the file uses, when it has none).
//
// The operations are certbot's nginx installer's (certbot-nginx's
// configurator: deploy_cert, _make_server_ssl, the redirect and HSTS
// enhancements), written anew on our parser.
#pragma once

#include <string>
#include <string_view>

#include "client/install/nginx_config.h"
#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

// ssl_certificate and ssl_certificate_key in `server`: an existing
// directive's path replaced (the first, when there are several), a missing
// one added at the end of the block.
Result<std::string> set_certificate(const ConfigFile& file, const Node& server, const CertificatePaths& paths);

// An HTTPS twin of an HTTP-only block, as certbot makes one: a copy of the
// block's text inserted after it (a blank line between), whose listens are
// replaced by `listen 443 ssl;` (and `listen [::]:443 ssl;` when the
// original listens on IPv6; default_server is not carried over), whose
// redirect to https (add_redirect's) is dropped, with the certificate
// directives. kFailedPrecondition when the block already serves HTTPS.
// https_port: 443, another for a test's loopback nginx.
Result<std::string> add_https_server(const ConfigFile& file, const Node& http_server, const CertificatePaths& paths,
                                     int https_port = 443);

// `return 301 https://$host$request_uri;` at the end of an HTTP block
// (certbot's --redirect); in a block that serves HTTP and HTTPS, wrapped in
// `if ($scheme != "https") { ... }`. Unchanged text when the block already
// redirects to https (a `return 301 https://...` in it or in an `if` of it).
// A server-level return runs before any location: the http-01 location
// then no longer answers on plain HTTP (CAs follow the redirect to HTTPS).
Result<std::string> add_redirect(const ConfigFile& file, const Node& http_server);

// `add_header Strict-Transport-Security "max-age=31536000" always;` at the
// end of an HTTPS block; unchanged text when it already sends one. (nginx
// inherits add_header only into locations without add_header of their own.)
Result<std::string> add_hsts(const ConfigFile& file, const Node& https_server);

// `include PATH;` as the last directive of `block`; unchanged text when the
// block already has it. remove_include takes out every `include PATH;` of
// the file with the whitespace before it, so adding then removing gives the
// original bytes back.
Result<std::string> add_include(const ConfigFile& file, const Node& block, std::string_view path);
// The same as the block's first directive (right after its `{`): before a
// server-level `return` / `rewrite`, which nginx runs in order before it
// looks for a location (the http-01 snippet's `rewrite ... break;` must come
// first to stop a redirect add_redirect put there).
Result<std::string> add_include_first(const ConfigFile& file, const Node& block, std::string_view path);
Result<std::string> remove_include(const ConfigFile& file, std::string_view path);

// The whitespace before the directives of `block` (see above).
std::string child_indent(const ConfigFile& file, const Node& block);

}  // namespace acmekit::client::install
