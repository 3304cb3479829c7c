// What a <VirtualHost> serves (its addresses, ServerName, ServerAlias,
// whether SSLEngine is on) and which virtual hosts httpd would choose for a
// host name, as name-based virtual hosting does (server/vhost.c; the
// manual's "Name-based Virtual Host Support" and "Virtual Host Matching"):
// the vhosts of one address:port form a set; a request is served by the
// first vhost of the set whose ServerName or ServerAlias matches the Host
// (ServerAlias may hold fnmatch wildcards: `*.example.com`, caseless), and
// when none matches, by the set's first vhost, its default. An address
// given by IP is more specific than `*` / `_default_`: on such an address
// only its own set is considered (our callers do not know which local
// address a client uses, so every set is looked at; see pick_vhosts).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/install/apache_config.h"
#include "client/install/apache_includes.h"

namespace acmekit::client::install {

// One address of <VirtualHost addr[:port] ...>. port 0: any port (no port
// given, or `:*`).
struct VhostAddress {
  std::string host;  // "*", "_default_", "192.0.2.1", "[2001:db8::1]", a name
  int port = 0;
  bool operator==(const VhostAddress&) const = default;
};

struct VirtualHost {
  const ApacheFile* file = nullptr;
  const ApacheNode* node = nullptr;
  std::vector<VhostAddress> addresses;
  std::string server_name;           // lowercased, without scheme and port; empty when unset
  std::vector<std::string> aliases;  // ServerAlias arguments, lowercased
  bool ssl = false;                  // SSLEngine on (the last SSLEngine directive wins)

  // Whether one of its addresses accepts `port`.
  bool on_port(int port) const;
  // The ports its addresses name (0 for any).
  std::vector<int> ports() const;
};

// The vhost at `node` of `file`. `config` resolves ${VAR}s (may be null).
VirtualHost describe_vhost(const ApacheFile& file, const ApacheNode& node, const ApacheConfig* config = nullptr);
std::vector<VirtualHost> describe_vhosts(const ApacheConfig& config);

enum class VhostMatch { kServerName, kAlias, kWildcardAlias, kDefault };

// How `vhost`'s names match `host` (lowercase): nullopt when none does.
// An exact ServerName or ServerAlias (a wildcard certificate name such as
// "*.example.com" matches an alias written so), else an alias pattern.
std::optional<VhostMatch> match_vhost_name(const VirtualHost& vhost, std::string_view host);

struct VhostPick {
  const VirtualHost* vhost = nullptr;
  VhostMatch match = VhostMatch::kDefault;
};

// The vhosts httpd would serve `host` from, over HTTPS (ssl) or plain HTTP
// (not ssl): per address:port set of such vhosts, the first whose name
// matches. When no set has a name match, every set's default (its first
// vhost) instead. Each vhost at most once, in configuration order.
std::vector<VhostPick> pick_vhosts(const std::vector<VirtualHost>& vhosts, std::string_view host, bool ssl);

}  // namespace acmekit::client::install
