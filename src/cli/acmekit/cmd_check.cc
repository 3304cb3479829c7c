// acmekit check HOST[:PORT]...: what a TLS server actually serves, for
// monitoring. Connects with SNI, reports the served certificate (trusted or
// not), whether it verifies and covers the name, days to expiry, and which
// acmekit lineage it is (and whether it is that lineage's live certificate).
#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "core/crypto/tls_probe.h"

namespace acmekit::cli {
namespace {
using nlohmann::json;

struct Target {
  std::string text;  // as given
  std::string host;  // without brackets
  uint16_t port = 443;
};

// HOST, HOST:PORT, [IPv6], [IPv6]:PORT; a bare IPv6 address (two or more
// colons) is a host on port 443.
Result<Target> parse_target(const std::string& text) {
  Target t{.text = text};
  std::string port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string::npos) return make_error(ErrorKind::kInvalidArgument, "bad target '" + text + "': no ']'");
    t.host = text.substr(1, close - 1);
    const std::string rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return make_error(ErrorKind::kInvalidArgument, "bad target '" + text + "'");
      port = rest.substr(1);
    }
  } else if (std::count(text.begin(), text.end(), ':') == 1) {
    t.host = text.substr(0, text.find(':'));
    port = text.substr(text.find(':') + 1);
  } else {
    t.host = text;
  }
  if (t.host.empty()) return make_error(ErrorKind::kInvalidArgument, "bad target '" + text + "': no host");
  if (!port.empty() || text.ends_with(':')) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
      return make_error(ErrorKind::kInvalidArgument, "bad port in target '" + text + "'");
    }
    t.port = static_cast<uint16_t>(value);
  }
  return t;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// RFC 6125 §6.4.3, the part certificates use: exact, or "*." + parent for
// exactly one more label.
bool covers(const crypto::CertificateInfo& cert, const std::string& name) {
  const std::string n = lower(name);
  if (std::find(cert.ip_addresses.begin(), cert.ip_addresses.end(), n) != cert.ip_addresses.end()) return true;
  for (const auto& d : cert.dns_names) {
    if (d == n) return true;
    if (d.starts_with("*.")) {
      const auto dot = n.find('.');
      if (dot != std::string::npos && dot > 0 && n.substr(dot) == d.substr(1)) return true;
    }
  }
  return false;
}

struct LiveCert {
  std::string name;
  crypto::CertificateInfo cert;
};

// The leaf of every readable live/NAME/cert.pem.
std::vector<LiveCert> live_certs(const std::string& config_dir) {
  client::store::LineageStore store(config_dir);
  std::vector<LiveCert> out;
  for (const auto& name : store.list()) {
    auto text = client::store::read_file(store.live_paths(name).cert);
    if (!text) continue;
    auto certs = crypto::parse_pem_chain(*text);
    if (!certs || certs->empty()) continue;
    out.push_back({name, std::move(certs->front())});
  }
  return out;
}

// archive/NAME/certN.pem holds this certificate.
bool in_archive(const std::string& config_dir, const std::string& name, const crypto::CertificateInfo& leaf) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(std::filesystem::path(config_dir) / "archive" / name, ec)) {
    const std::string file = e.path().filename().string();
    if (!file.starts_with("cert") || !file.ends_with(".pem")) continue;
    auto text = client::store::read_file(e.path());
    if (!text) continue;
    auto certs = crypto::parse_pem_chain(*text);
    if (certs && !certs->empty() && certs->front().der == leaf.der) return true;
  }
  return false;
}

json check_one(const Target& t, const CheckOptions& o, const GlobalOptions& g,
               const std::vector<LiveCert>& lives, std::optional<Error>& unreachable) {
  const std::string checked_name = o.servername.empty() ? t.host : o.servername;
  json j{{"target", t.text}, {"servername", checked_name}};
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(o.connect_timeout * 1000));
  auto probe = crypto::probe_tls(t.host, t.port, o.servername, g.ca_bundle, timeout);
  if (!probe) {
    j["reachable"] = false;
    j["ok"] = false;
    j["error"] = probe.error().message();
    unreachable = probe.error();
    return j;
  }
  const auto& leaf = probe->leaf;
  json names = json::array();
  for (const auto& n : leaf.dns_names) names.push_back(n);
  for (const auto& n : leaf.ip_addresses) names.push_back(n);
  const long days = days_left(leaf);

  json lineage = nullptr, stale = nullptr;
  bool is_live = false;
  for (const auto& l : lives) {
    if (l.cert.serial_hex == leaf.serial_hex && l.cert.issuer_cn == leaf.issuer_cn) {
      lineage = l.name;
      is_live = l.cert.der == leaf.der;
      break;
    }
  }
  if (lineage.is_null()) {
    // An earlier version of a lineage, or older than the live certificate of
    // a lineage for this name: the server was not reloaded after a renewal.
    for (const auto& l : lives) {
      if (in_archive(g.config_dir, l.name, leaf) ||
          (covers(l.cert, checked_name) && l.cert.not_before > leaf.not_before)) {
        stale = l.name;
        break;
      }
    }
  }

  json problems = json::array();
  if (!probe->verified) problems.push_back("does not verify: " + probe->verify_error);
  if (!probe->name_matches) problems.push_back("not valid for " + checked_name);
  if (days <= o.days) {
    problems.push_back(days < 0 ? "expired" : "expires in " + std::to_string(days) + " days (threshold " +
                                                  std::to_string(o.days) + ")");
  }
  j.update({{"reachable", true},
            {"peer", probe->peer},
            {"protocol", probe->protocol},
            {"names", names},
            {"subject", leaf.subject_cn},
            {"issuer", leaf.issuer_cn},
            {"serial", leaf.serial_hex},
            {"not_before", iso8601(leaf.not_before)},
            {"not_after", iso8601(leaf.not_after)},
            {"days_left", days},
            {"verified", probe->verified},
            {"verify_error", probe->verified ? json(nullptr) : json(probe->verify_error)},
            {"name_matches", probe->name_matches},
            {"lineage", lineage},
            {"is_live", is_live},
            {"stale_lineage", stale},
            {"chain_issuers", [&] {
               json a = json::array();
               for (const auto& c : probe->chain) a.push_back(c.subject_cn);
               return a;
             }()},
            {"ok", problems.empty()},
            {"problems", problems}});
  return j;
}

void print_human(const json& c) {
  const auto s = [&](const char* k) { return c[k].get<std::string>(); };
  std::cout << "  Target: " << s("target") << "\n";
  if (!c["reachable"].get<bool>()) {
    std::cout << "    UNREACHABLE: " << s("error") << "\n";
    return;
  }
  std::string names;
  for (const auto& n : c["names"]) names += (names.empty() ? "" : " ") + n.get<std::string>();
  const long days = c["days_left"].get<long>();
  std::cout << "    Connected: " << s("peer") << " (" << s("protocol") << ", SNI " << s("servername") << ")\n"
            << "    Domains: " << names << "\n"
            << "    Issuer: " << s("issuer") << "\n"
            << "    Serial Number: " << s("serial") << "\n"
            << "    Expiry Date: " << s("not_after")
            << (days < 0 ? " (EXPIRED)" : " (VALID: " + std::to_string(days) + " days)") << "\n"
            << "    Verified: " << (c["verified"].get<bool>() ? "yes" : "NO (" + s("verify_error") + ")") << "\n"
            << "    Name Matches: "
            << (c["name_matches"].get<bool>() ? "yes" : "NO (not valid for " + s("servername") + ")") << "\n";
  std::string lineage = "none";
  if (c["lineage"].is_string()) {
    lineage = s("lineage") + (c["is_live"].get<bool>() ? " (live)" : " (not the live certificate)");
  } else if (c["stale_lineage"].is_string()) {
    lineage = "stale: serving an older certificate than live/" + s("stale_lineage");
  }
  std::cout << "    Lineage: " << lineage << "\n";
  std::string status = "OK";
  if (!c["ok"].get<bool>()) {
    status = "FAIL";
    for (const auto& p : c["problems"]) status += "; " + p.get<std::string>();
  }
  std::cout << "    Status: " << status << "\n";
}

}  // namespace

int cmd_check(const GlobalOptions& global, const CheckOptions& options) {
  if (options.connect_timeout <= 0) {
    return report_error(Error{.kind = ErrorKind::kInvalidArgument, .detail = "--connect-timeout must be positive"});
  }
  std::vector<Target> targets;
  for (const auto& text : options.targets) {
    auto t = parse_target(text);
    if (!t) return report_error(t.error());
    targets.push_back(std::move(*t));
  }
  const auto lives = live_certs(global.config_dir);

  json checks = json::array();
  std::optional<Error> unreachable;
  std::vector<std::string> failed;
  for (const auto& t : targets) {
    std::optional<Error> err;
    json c = check_one(t, options, global, lives, err);
    if (err && err->kind == ErrorKind::kInvalidArgument) return report_error(*err);  // e.g. --ca-bundle
    if (err && !unreachable) unreachable = err;
    if (!c["ok"].get<bool>()) {
      std::string why = c.contains("error") ? "unreachable: " + c["error"].get<std::string>() : "";
      for (const auto& p : c.value("problems", json::array())) why += (why.empty() ? "" : ", ") + p.get<std::string>();
      failed.push_back(t.text + " (" + why + ")");
    }
    checks.push_back(std::move(c));
  }

  if (global.json) {
    std::cout << json{{"checks", checks}}.dump(2) << std::endl;
  } else if (!global.quiet || !failed.empty()) {
    for (const auto& c : checks) print_human(c);
    std::cout.flush();
  }
  if (failed.empty()) return kExitOk;
  std::string line = std::to_string(failed.size()) + " of " + std::to_string(targets.size()) +
                     " target(s) failed the check:";
  for (const auto& f : failed) line += " " + f + ";";
  line.pop_back();
  std::cerr << "acmekit: error: " << line << std::endl;
  return unreachable ? kExitNetwork : kExitFailure;
}

}  // namespace acmekit::cli
