#include "client/install/nginx_servers.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <regex>

namespace acmekit::client::install {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int port_of(std::string_view s, int fallback) {
  if (!all_digits(s) || s.size() > 5) return fallback;
  return std::stoi(std::string(s));
}

// ngx_http_core_listen's address forms: PORT, HOST, HOST:PORT, [V6],
// [V6]:PORT, *:PORT, unix:PATH.
Listen parse_listen(const Node& n) {
  Listen l;
  const std::string& a = n.arg(0);
  if (a.starts_with("unix:")) {
    l.host = a;
    l.port = 0;
  } else if (a.starts_with("[")) {
    const auto close = a.find(']');
    l.ipv6 = true;
    l.host = a.substr(0, close == std::string::npos ? a.size() : close + 1);
    if (close != std::string::npos && close + 1 < a.size() && a[close + 1] == ':') {
      l.port = port_of(std::string_view(a).substr(close + 2), 80);
    }
  } else if (all_digits(a)) {
    l.host = "*";
    l.port = port_of(a, 80);
  } else if (const auto colon = a.rfind(':'); colon != std::string::npos) {
    l.host = a.substr(0, colon);
    l.port = port_of(std::string_view(a).substr(colon + 1), 80);
  } else {
    l.host = a;
  }
  for (std::size_t i = 1; i < n.arg_count(); ++i) {
    const std::string& p = n.arg(i);
    if (p == "ssl") l.ssl = true;
    if (p == "default_server" || p == "default") l.default_server = true;
  }
  return l;
}

// PCRE's named groups, which std::regex lacks, as plain groups.
std::string pcre_to_ecmascript(std::string re) {
  for (const std::string_view open : {"(?P<", "(?<"}) {
    for (std::size_t at = re.find(open); at != std::string::npos; at = re.find(open, at + 1)) {
      const auto close = re.find('>', at);
      if (close == std::string::npos) break;
      // "(?<=" and "(?<!" are lookbehinds, not names.
      if (open == "(?<" && at + 3 < re.size() && (re[at + 3] == '=' || re[at + 3] == '!')) continue;
      re.replace(at, close - at + 1, "(");
    }
  }
  return re;
}

int rank(MatchKind k) { return static_cast<int>(k); }

}  // namespace

bool ServerBlock::serves_http() const {
  return !ssl_on && std::any_of(listens.begin(), listens.end(), [](const Listen& l) { return !l.ssl; });
}

bool ServerBlock::serves_https() const {
  return std::any_of(listens.begin(), listens.end(), [this](const Listen& l) { return l.ssl || ssl_on; });
}

bool ServerBlock::listens_ipv6() const {
  return std::any_of(listens.begin(), listens.end(), [](const Listen& l) { return l.ipv6; });
}

ServerBlock describe_server(const ConfigFile& file, const Node& server) {
  ServerBlock b;
  b.file = &file;
  b.node = &server;
  for (const auto& n : server.children) {
    if (n.is_block) continue;
    if (n.name() == "server_name") {
      for (std::size_t i = 0; i < n.arg_count(); ++i) {
        b.names.push_back(n.arg(i).starts_with("~") ? n.arg(i) : lower(n.arg(i)));
      }
    } else if (n.name() == "listen" && n.arg_count() >= 1) {
      b.listens.push_back(parse_listen(n));
    } else if (n.name() == "ssl" && n.arg_count() == 1 && n.arg(0) == "on") {
      b.ssl_on = true;
    }
  }
  // No listen: nginx listens on *:80 (*:8000 when not started as root; a
  // server root an installer edits is root's).
  if (b.listens.empty()) b.listens.push_back(Listen{.host = "*", .port = 80});
  return b;
}

std::vector<ServerBlock> describe_servers(const NginxConfig& config) {
  std::vector<ServerBlock> out;
  for (const auto& ref : config.http_servers()) out.push_back(describe_server(*ref.file, *ref.node));
  return out;
}

std::optional<NameMatch> match_name(std::string_view server_name, std::string_view host) {
  if (server_name.empty()) return std::nullopt;
  if (server_name.front() == '~') {
    try {
      const std::regex re(pcre_to_ecmascript(std::string(server_name.substr(1))),
                          std::regex::ECMAScript | std::regex::icase);
      if (std::regex_search(host.begin(), host.end(), re)) return NameMatch{MatchKind::kRegex, 0};
    } catch (const std::regex_error&) {
      // Beyond what std::regex understands: never a match (see the header).
    }
    return std::nullopt;
  }
  const std::string name = lower(server_name);
  if (name == host) return NameMatch{MatchKind::kExact, 0};
  if (name.starts_with("*.") || name.starts_with(".")) {
    const std::string_view suffix = std::string_view(name).substr(name.front() == '*' ? 1 : 0);  // ".example.com"
    if (name.front() == '.' && host == suffix.substr(1)) return NameMatch{MatchKind::kExact, 0};
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      return NameMatch{MatchKind::kLeadingWildcard, suffix.size()};
    }
    return std::nullopt;
  }
  if (name.ends_with(".*")) {
    const std::string_view prefix = std::string_view(name).substr(0, name.size() - 1);  // "www.example."
    if (host.size() > prefix.size() && host.starts_with(prefix)) {
      return NameMatch{MatchKind::kTrailingWildcard, prefix.size()};
    }
  }
  return std::nullopt;
}

std::vector<ServerMatch> best_servers(const std::vector<ServerBlock>& servers, std::string_view host_in,
                                      Scheme scheme) {
  const std::string host = lower(host_in);
  struct Scored {
    const ServerBlock* server;
    NameMatch match;
  };
  std::vector<Scored> scored;
  for (const auto& s : servers) {
    if (scheme == Scheme::kHttp ? !s.serves_http() : !s.serves_https()) continue;
    std::optional<NameMatch> best;
    for (const auto& n : s.names) {
      const auto m = match_name(n, host);
      if (!m) continue;
      if (!best || rank(m->kind) < rank(best->kind) || (m->kind == best->kind && m->length > best->length)) best = m;
    }
    if (best) scored.push_back({&s, *best});
  }
  std::vector<ServerMatch> out;
  if (!scored.empty()) {
    const auto top = std::min_element(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
      if (a.match.kind != b.match.kind) return rank(a.match.kind) < rank(b.match.kind);
      return a.match.length > b.match.length;
    });
    for (const auto& s : scored) {
      if (s.match.kind == top->match.kind && s.match.length == top->match.length) {
        out.push_back({s.server, s.match.kind});
      }
    }
    return out;
  }
  for (const auto& s : servers) {
    const bool is_default = std::any_of(s.listens.begin(), s.listens.end(), [&](const Listen& l) {
      const bool tls = l.ssl || s.ssl_on;
      return l.default_server && (scheme == Scheme::kHttps ? tls : !tls);
    });
    if (is_default) out.push_back({&s, MatchKind::kDefaultServer});
  }
  return out;
}

}  // namespace acmekit::client::install
