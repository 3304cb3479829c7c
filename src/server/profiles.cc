#include "server/profiles.h"

#include <algorithm>
#include <cctype>
#include <set>

#include <fmt/format.h>

#include "core/quote.h"

namespace acmekit::server {

ProfileSet ProfileSet::builtin() {
  using std::chrono::hours;
  ProfileSet set;
  // Let's Encrypt's classic: 90 days, DNS names only, TLS server and client
  // authentication; RSA keys keep keyEncipherment (what acmekit-ca issued
  // before profiles).
  set.profiles.push_back({.name = "classic",
                          .description = "90-day certificates for DNS names, TLS server and client authentication "
                                         "(the default)",
                          .validity = hours(24 * 90),
                          .key_encipherment = true,
                          .client_auth = true});
  // tlsserver: 45 days, serverAuth only, digitalSignature only.
  set.profiles.push_back({.name = "tlsserver",
                          .description = "45-day certificates for DNS names, TLS server authentication only",
                          .validity = hours(24 * 45)});
  // shortlived: 160 hours (under 7 days), the one that takes IP addresses.
  set.profiles.push_back({.name = "shortlived",
                          .description = "160-hour certificates for DNS names and IP addresses, TLS server "
                                         "authentication only",
                          .validity = hours(160),
                          .allow_ip = true});
  set.default_name = "classic";
  return set;
}

const CertificateProfile* ProfileSet::find(std::string_view name) const {
  auto it = std::ranges::find(profiles, name, &CertificateProfile::name);
  return it == profiles.end() ? nullptr : &*it;
}

const CertificateProfile& ProfileSet::default_profile() const {
  const CertificateProfile* p = find(default_name);
  return p ? *p : profiles.front();
}

const CertificateProfile* ProfileSet::for_order(std::string_view name) const {
  return name.empty() ? &default_profile() : find(name);
}

std::string ProfileSet::names() const {
  std::vector<std::string> out;
  for (const auto& p : profiles) out.push_back(p.name);
  std::ranges::sort(out);
  return fmt::format("{}", fmt::join(out, ", "));
}

bool valid_profile_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  return std::ranges::all_of(name, [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '_' || c == '-';
  });
}

Status check_profiles(const ProfileSet& set) {
  auto bad = [](std::string detail) { return make_error(ErrorKind::kInvalidArgument, std::move(detail)); };
  if (set.profiles.empty()) return bad("no certificate profile is defined");
  std::set<std::string> seen;
  for (const auto& p : set.profiles) {
    if (!valid_profile_name(p.name)) {
      return bad(fmt::format("profile name {} must be 1..64 of A-Z a-z 0-9 . _ -", debug_quoted(p.name)));
    }
    if (!seen.insert(p.name).second) return bad(fmt::format("profile {} is defined twice", p.name));
    if (p.validity < std::chrono::minutes(1)) return bad(fmt::format("profile {}: validity must be at least a minute", p.name));
    if (!p.allow_dns && !p.allow_ip) return bad(fmt::format("profile {}: identifier_types must not be empty", p.name));
    if (p.max_names == 0) return bad(fmt::format("profile {}: max_names must be at least 1", p.name));
    // A TLS server signs its handshake (RFC 8446 §4.4.3): every profile's
    // certificates can, whatever the key type.
    if (!p.digital_signature) return bad(fmt::format("profile {}: key_usage must include digitalSignature", p.name));
    if (!p.server_auth && !p.client_auth) return bad(fmt::format("profile {}: ext_key_usage must not be empty", p.name));
  }
  if (!set.find(set.default_name)) {
    return bad(fmt::format("default_profile {} is not a defined profile ({})", debug_quoted(set.default_name),
                           set.names()));
  }
  return {};
}

}  // namespace acmekit::server
