// What a `server { }` block serves (its names and listens) and which blocks
// nginx would choose for a host name, as ngx_http_find_virtual_server does
// (and certbot's nginx plugin approximates): an exact name first, then the
// longest leading wildcard (`*.example.com`, `.example.com`), then the
// longest trailing wildcard (`www.example.*`), then the regular expressions
// (`~^www\d+\.example\.com$`) in order; with no name matching, the
// `default_server` blocks.
//
// Regular expressions: nginx uses PCRE; acmekit does not link libpcre2, so
// they are compiled with std::regex (ECMAScript, case-insensitive, as nginx
// compiles server names caseless) after turning PCRE's named groups
// `(?<name>` / `(?P<name>` into plain groups. An expression std::regex
// refuses never matches.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/install/nginx_config.h"
#include "client/install/nginx_includes.h"

namespace acmekit::client::install {

// One `listen` directive (or the implicit `listen *:80` of a block without
// one). Unix sockets have port 0.
struct Listen {
  std::string host;  // "*", "127.0.0.1", "[::]", "localhost", "unix:/run/x.sock"
  int port = 80;
  bool ssl = false;
  bool ipv6 = false;
  bool default_server = false;
};

struct ServerBlock {
  const ConfigFile* file = nullptr;
  const Node* node = nullptr;
  std::vector<std::string> names;  // server_name's arguments, lowercased (regexes as written)
  std::vector<Listen> listens;
  bool ssl_on = false;  // the old `ssl on;`: every listen is TLS

  bool serves_http() const;   // a listen without TLS
  bool serves_https() const;  // `listen ... ssl`, or `ssl on`
  bool listens_ipv6() const;
};

ServerBlock describe_server(const ConfigFile& file, const Node& server);
std::vector<ServerBlock> describe_servers(const NginxConfig& config);

enum class Scheme { kHttp, kHttps };
enum class MatchKind { kExact, kLeadingWildcard, kTrailingWildcard, kRegex, kDefaultServer };

struct ServerMatch {
  const ServerBlock* server = nullptr;
  MatchKind kind = MatchKind::kExact;
};

// How well one server_name entry matches `host` (lowercase): the kind and,
// for wildcards, the length of the fixed part (longer wins); nullopt when
// it does not match.
struct NameMatch {
  MatchKind kind;
  std::size_t length = 0;
};
std::optional<NameMatch> match_name(std::string_view server_name, std::string_view host);

// The blocks serving `scheme` that nginx would pick for `host`: all those
// sharing the best match (several when the name appears in blocks on
// different addresses); empty when no name matches and no block of that
// scheme is a default_server.
std::vector<ServerMatch> best_servers(const std::vector<ServerBlock>& servers, std::string_view host, Scheme scheme);

}  // namespace acmekit::client::install
