#include "client/check.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "client/report_json.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "core/crypto/certificate.h"
#include "core/crypto/tls_probe.h"

namespace acmekit::client {
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
  store::LineageStore store(config_dir);
  std::vector<LiveCert> out;
  for (const auto& name : store.list()) {
    auto text = store::read_file(store.live_paths(name).cert);
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
    auto text = store::read_file(e.path());
    if (!text) continue;
    auto certs = crypto::parse_pem_chain(*text);
    if (certs && !certs->empty() && certs->front().der == leaf.der) return true;
  }
  return false;
}

CheckResult check_one(const Target& t, const CheckOptions& o, const std::string& config_dir, const std::string& ca_bundle,
                      const std::vector<LiveCert>& lives, std::optional<Error>& unreachable) {
  CheckResult r{.target = t.text, .servername = o.servername.empty() ? t.host : o.servername};
  const auto timeout = std::chrono::milliseconds(static_cast<long long>(o.connect_timeout * 1000));
  auto probe = crypto::probe_tls(t.host, t.port, o.servername, ca_bundle, timeout);
  if (!probe) {
    r.error = probe.error().message();
    unreachable = probe.error();
    return r;
  }
  const auto& leaf = probe->leaf;
  r.reachable = true;
  r.peer = probe->peer;
  r.protocol = probe->protocol;
  r.names = leaf.dns_names;
  r.names.insert(r.names.end(), leaf.ip_addresses.begin(), leaf.ip_addresses.end());
  r.subject = leaf.subject_cn;
  r.issuer = leaf.issuer_cn;
  r.serial = leaf.serial_hex;
  r.not_before = leaf.not_before;
  r.not_after = leaf.not_after;
  r.days_left = std::chrono::floor<std::chrono::days>(leaf.not_after - std::chrono::system_clock::now()).count();
  r.verified = probe->verified;
  if (!probe->verified) r.verify_error = probe->verify_error;
  r.name_matches = probe->name_matches;
  for (const auto& c : probe->chain) r.chain_issuers.push_back(c.subject_cn);

  for (const auto& l : lives) {
    if (l.cert.serial_hex == leaf.serial_hex && l.cert.issuer_cn == leaf.issuer_cn) {
      r.lineage = l.name;
      r.is_live = l.cert.der == leaf.der;
      break;
    }
  }
  if (!r.lineage) {
    // An earlier version of a lineage, or older than the live certificate of
    // a lineage for this name: the server was not reloaded after a renewal.
    for (const auto& l : lives) {
      if (in_archive(config_dir, l.name, leaf) ||
          (covers(l.cert, r.servername) && l.cert.not_before > leaf.not_before)) {
        r.stale_lineage = l.name;
        break;
      }
    }
  }
  if (!r.verified) r.problems.push_back("does not verify: " + r.verify_error);
  if (!r.name_matches) r.problems.push_back("not valid for " + r.servername);
  if (r.days_left <= o.days) {
    r.problems.push_back(r.days_left < 0 ? "expired"
                                         : "expires in " + std::to_string(r.days_left) + " days (threshold " +
                                               std::to_string(o.days) + ")");
  }
  return r;
}

json optional_string(const std::optional<std::string>& s) { return s ? json(*s) : json(nullptr); }

}  // namespace

json CheckResult::to_json() const {
  json j{{"target", target}, {"servername", servername}, {"reachable", reachable}, {"ok", ok()}};
  if (!reachable) {
    j["error"] = error;
    return j;
  }
  j.update({{"peer", peer},
            {"protocol", protocol},
            {"names", names},
            {"subject", subject},
            {"issuer", issuer},
            {"serial", serial},
            {"not_before", iso8601(not_before)},
            {"not_after", iso8601(not_after)},
            {"days_left", days_left},
            {"verified", verified},
            {"verify_error", verified ? json(nullptr) : json(verify_error)},
            {"name_matches", name_matches},
            {"lineage", optional_string(lineage)},
            {"is_live", is_live},
            {"stale_lineage", optional_string(stale_lineage)},
            {"chain_issuers", chain_issuers},
            {"problems", problems}});
  return j;
}

std::vector<std::string> CheckReport::failures() const {
  std::vector<std::string> out;
  for (const auto& c : checks) {
    if (c.ok()) continue;
    std::string why = c.reachable ? "" : "unreachable: " + c.error;
    for (const auto& p : c.problems) why += (why.empty() ? "" : ", ") + p;
    out.push_back(c.target + " (" + why + ")");
  }
  return out;
}

json CheckReport::to_json() const {
  json list = json::array();
  for (const auto& c : checks) list.push_back(c.to_json());
  return {{"format", kJsonFormat}, {"checks", list}};
}

Result<CheckReport> check_servers(const std::string& config_dir, const std::string& ca_bundle,
                                  const CheckOptions& options) {
  if (options.connect_timeout <= 0) {
    return make_error(ErrorKind::kInvalidArgument, "--connect-timeout must be positive");
  }
  std::vector<Target> targets;
  for (const auto& text : options.targets) {
    ACMEKIT_TRY(auto t, parse_target(text));
    targets.push_back(std::move(t));
  }
  const auto lives = live_certs(config_dir);
  CheckReport report;
  for (const auto& t : targets) {
    std::optional<Error> err;
    auto c = check_one(t, options, config_dir, ca_bundle, lives, err);
    if (err && err->kind == ErrorKind::kInvalidArgument) return std::unexpected(*err);  // e.g. --ca-bundle
    if (err) report.any_unreachable = true;
    report.checks.push_back(std::move(c));
  }
  return report;
}

}  // namespace acmekit::client
