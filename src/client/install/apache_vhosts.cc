#include "client/install/apache_vhosts.h"

#include <fnmatch.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace acmekit::client::install {
namespace {

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "addr[:port]": the last colon after a bracketed IPv6 address or in a
// name / IPv4 address. A bare IPv6 address without brackets has no port.
VhostAddress parse_address(const std::string& arg) {
  VhostAddress a;
  std::string host = arg;
  std::string port;
  const auto bracket = arg.rfind(']');
  const auto colon = arg.rfind(':');
  if (colon != std::string::npos && (bracket != std::string::npos ? colon > bracket : arg.find(':') == colon)) {
    host = arg.substr(0, colon);
    port = arg.substr(colon + 1);
  }
  a.host = lowercase(host);
  int p = 0;
  if (!port.empty() && port != "*") {
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || ptr != port.data() + port.size()) p = 0;
  }
  a.port = p;
  return a;
}

// ServerName [scheme://]domain[:port]: the host part.
std::string server_name_host(std::string v) {
  if (const auto s = v.find("://"); s != std::string::npos) v = v.substr(s + 3);
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    return lowercase(close == std::string::npos ? v : v.substr(0, close + 1));
  }
  if (const auto c = v.find(':'); c != std::string::npos) v = v.substr(0, c);
  return lowercase(v);
}

// The sections inside a vhost whose directives still apply to it all
// (conditional ones; not Directory, Location, Files, which scope them).
bool transparent(const ApacheNode& n) {
  return n.is("IfModule") || n.is("IfDefine") || n.is("IfVersion") || n.is("IfFile") || n.is("IfDirective") ||
         n.is("IfSection");
}

void read_names(const std::vector<ApacheNode>& nodes, const ApacheConfig* config, VirtualHost& v) {
  const auto value = [&](const std::string& s) { return config ? config->expand(s) : s; };
  for (const auto& n : nodes) {
    if (n.is_section) {
      if (transparent(n)) read_names(n.children, config, v);
      continue;
    }
    if (n.is("ServerName") && n.arg_count() >= 1) v.server_name = server_name_host(value(n.arg(0)));
    if (n.is("ServerAlias")) {
      for (std::size_t i = 0; i < n.arg_count(); ++i) v.aliases.push_back(lowercase(value(n.arg(i))));
    }
    if (n.is("SSLEngine") && n.arg_count() >= 1) v.ssl = iequals(n.arg(0), "on");
  }
}

}  // namespace

bool VirtualHost::on_port(int port) const {
  return std::any_of(addresses.begin(), addresses.end(), [&](const VhostAddress& a) { return a.port == 0 || a.port == port; });
}

std::vector<int> VirtualHost::ports() const {
  std::vector<int> out;
  for (const auto& a : addresses) {
    if (std::find(out.begin(), out.end(), a.port) == out.end()) out.push_back(a.port);
  }
  return out;
}

VirtualHost describe_vhost(const ApacheFile& file, const ApacheNode& node, const ApacheConfig* config) {
  VirtualHost v;
  v.file = &file;
  v.node = &node;
  for (std::size_t i = 0; i < node.arg_count(); ++i) {
    v.addresses.push_back(parse_address(config ? config->expand(node.arg(i)) : node.arg(i)));
  }
  read_names(node.children, config, v);
  return v;
}

std::vector<VirtualHost> describe_vhosts(const ApacheConfig& config) {
  std::vector<VirtualHost> out;
  for (const auto& ref : config.collect("VirtualHost")) {
    if (ref.node->is_section) out.push_back(describe_vhost(*ref.file, *ref.node, &config));
  }
  return out;
}

std::optional<VhostMatch> match_vhost_name(const VirtualHost& vhost, std::string_view host) {
  if (!vhost.server_name.empty() && vhost.server_name == host) return VhostMatch::kServerName;
  for (const auto& a : vhost.aliases) {
    if (a == host) return VhostMatch::kAlias;
  }
  const std::string h(host);
  for (const auto& a : vhost.aliases) {
    // ap_strcasecmp_match: * and ? wildcards, caseless.
    if (a.find_first_of("*?") != std::string::npos && ::fnmatch(a.c_str(), h.c_str(), FNM_CASEFOLD) == 0) {
      return VhostMatch::kWildcardAlias;
    }
  }
  return std::nullopt;
}

std::vector<VhostPick> pick_vhosts(const std::vector<VirtualHost>& vhosts, std::string_view host, bool ssl) {
  // The address:port sets, in the order their first vhost appears.
  std::vector<VhostAddress> sets;
  for (const auto& v : vhosts) {
    if (v.ssl != ssl) continue;
    for (const auto& a : v.addresses) {
      if (std::find(sets.begin(), sets.end(), a) == sets.end()) sets.push_back(a);
    }
  }
  std::vector<VhostPick> named, defaults;
  const auto add = [](std::vector<VhostPick>& to, VhostPick p) {
    if (std::none_of(to.begin(), to.end(), [&](const VhostPick& q) { return q.vhost == p.vhost; })) to.push_back(p);
  };
  for (const auto& set : sets) {
    const VirtualHost* first = nullptr;
    std::optional<VhostPick> hit;
    for (const auto& v : vhosts) {
      if (v.ssl != ssl || std::find(v.addresses.begin(), v.addresses.end(), set) == v.addresses.end()) continue;
      if (first == nullptr) first = &v;
      if (auto m = match_vhost_name(v, host)) {
        hit = VhostPick{&v, *m};
        break;
      }
    }
    if (hit) add(named, *hit);
    if (first != nullptr) add(defaults, {first, VhostMatch::kDefault});
  }
  auto& out = named.empty() ? defaults : named;
  std::sort(out.begin(), out.end(), [&](const VhostPick& a, const VhostPick& b) { return a.vhost < b.vhost; });
  return out;
}

}  // namespace acmekit::client::install
