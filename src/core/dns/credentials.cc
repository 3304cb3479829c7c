#include "core/dns/credentials.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace acmekit::dns {
namespace {

constexpr std::string_view kPrefix = "dns_rfc2136_";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Entry {
  std::string value;
  int line = 0;
};

std::unexpected<Error> bad(std::string_view origin, int line, std::string_view what) {
  std::string where(origin);
  if (line > 0) where += ":" + std::to_string(line);
  return make_error(ErrorKind::kInvalidArgument, where + ": " + std::string(what));
}

// configobj's reading of a value: "quoted" or 'quoted' as is, otherwise up
// to an inline " #" comment.
std::string value_of(std::string_view raw) {
  raw = trim(raw);
  if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'')) {
    const auto close = raw.find(raw.front(), 1);
    if (close != std::string_view::npos) return std::string(raw.substr(1, close - 1));
  }
  const auto hash = raw.find('#');
  if (hash != std::string_view::npos) raw = raw.substr(0, hash);
  return std::string(trim(raw));
}

}  // namespace

Result<Rfc2136Credentials> parse_rfc2136_credentials(std::string_view text, std::string_view origin) {
  std::map<std::string, Entry> entries;  // dns_rfc2136_ keys, lower case
  std::istringstream in{std::string(text)};
  std::string raw_line;
  for (int number = 1; std::getline(in, raw_line); ++number) {
    const std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') continue;  // a section header: certbot reads the keys anywhere
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
      return bad(origin, number, "expected 'key = value'");
    }
    const std::string key = lower(trim(line.substr(0, eq)));
    if (!key.starts_with(kPrefix)) continue;  // another plugin's setting
    if (entries.contains(key)) return bad(origin, number, key + " appears twice");
    entries[key] = Entry{value_of(line.substr(eq + 1)), number};
  }
  auto get = [&](std::string_view name) -> const Entry* {
    auto it = entries.find(std::string(kPrefix) + std::string(name));
    return it == entries.end() || it->second.value.empty() ? nullptr : &it->second;
  };
  for (const char* required : {"server", "name", "secret"}) {
    if (get(required) == nullptr) return bad(origin, 0, std::string(kPrefix) + required + " is missing");
  }

  Rfc2136Credentials c;
  uint16_t port = 53;
  if (const Entry* p = get("port")) {
    int value = 0;
    for (char ch : p->value) {
      value = std::isdigit(static_cast<unsigned char>(ch)) && value < 65536 ? value * 10 + (ch - '0') : 1 << 20;
    }
    if (value <= 0 || value > 65535) {
      return bad(origin, p->line, "dns_rfc2136_port '" + p->value + "' is not a port number");
    }
    port = static_cast<uint16_t>(value);
  }
  const Entry* server = get("server");
  // certbot: "A hostname is not allowed": the server is an IP literal.
  auto endpoint = parse_endpoint(server->value.find(':') != std::string::npos && server->value.front() != '['
                                     ? "[" + server->value + "]"
                                     : server->value,
                                 port);
  if (!endpoint || endpoint->port != port) {
    return bad(origin, server->line, "dns_rfc2136_server '" + server->value + "' is not an IP address");
  }
  c.server = *endpoint;

  c.key.name = get("name")->value;
  c.key.algorithm = kDefaultTsigAlgorithm;
  if (const Entry* a = get("algorithm")) {
    auto algorithm = parse_tsig_algorithm(a->value);
    if (!algorithm) return bad(origin, a->line, algorithm.error().detail);
    c.key.algorithm = *algorithm;
  }
  const Entry* secret = get("secret");
  auto decoded = decode_tsig_secret(secret->value);
  if (!decoded) return bad(origin, secret->line, "dns_rfc2136_secret is not valid base64");
  c.key.secret = std::move(*decoded);

  if (const Entry* s = get("sign_query")) {
    const std::string v = lower(s->value);
    if (v == "true" || v == "yes" || v == "1") {
      c.sign_query = true;
    } else if (v != "false" && v != "no" && v != "0") {
      return bad(origin, s->line, "dns_rfc2136_sign_query must be true or false, not '" + s->value + "'");
    }
  }
  return c;
}

Result<Rfc2136Credentials> load_rfc2136_credentials(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorKind::kIo, "cannot read DNS credentials " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::kIo, "cannot read DNS credentials " + file.string());
  ACMEKIT_TRY(Rfc2136Credentials c, parse_rfc2136_credentials(text.str(), file.string()));
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0) c.insecure_permissions = (st.st_mode & 077) != 0;
  c.path = file.string();
  return c;
}

UpdateServer update_server(const Rfc2136Credentials& credentials) {
  UpdateServer o;
  o.endpoint = credentials.server;
  o.key = credentials.key;
  o.sign_queries = credentials.sign_query;
  return o;
}

}  // namespace acmekit::dns
