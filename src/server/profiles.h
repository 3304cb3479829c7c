// Certificate profiles (draft-ietf-acme-profiles): the kinds of certificate
// the CA issues. Each has a name (advertised in the directory's
// meta.profiles, §3, and chosen with a newOrder's "profile", §4), a lifetime,
// the identifier types and number of names it takes, and the keyUsage /
// extendedKeyUsage of its certificates. The RA applies the identifier rules
// and the lifetime; the CA (ca/authority) the usages.
//
// Without a configuration the CA offers Let's Encrypt's three profiles
// (https://letsencrypt.org/docs/profiles/): classic (90 days, DNS names,
// serverAuth + clientAuth; the default), tlsserver (45 days, DNS names,
// serverAuth only) and shortlived (160 hours, DNS names and IP addresses,
// serverAuth only).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/wire/types.h"

namespace acmekit::server {

struct CertificateProfile {
  std::string name;         // [A-Za-z0-9._-], 1..64 characters
  std::string description;  // meta.profiles value (§3): prose or a URL
  std::chrono::seconds validity{std::chrono::hours(24 * 90)};
  // Identifier types an order of this profile may hold (RFC 8555 §9.7.7
  // "dns", RFC 8738 "ip").
  bool allow_dns = true;
  bool allow_ip = false;
  std::size_t max_names = 100;  // identifiers per order
  // RFC 5280 §4.2.1.3 keyUsage. keyEncipherment is set only for RSA subject
  // keys (an ECDSA key cannot transport keys).
  bool digital_signature = true;
  bool key_encipherment = false;
  // RFC 5280 §4.2.1.12 extendedKeyUsage: id-kp-serverAuth, id-kp-clientAuth.
  bool server_auth = true;
  bool client_auth = false;

  bool allows(const wire::Identifier& id) const {
    return (id.type == "dns" && allow_dns) || (id.type == "ip" && allow_ip);
  }
};

// The profiles a CA offers and the one an order without "profile" gets.
struct ProfileSet {
  std::vector<CertificateProfile> profiles;  // in the order configured (built-ins: classic, tlsserver, shortlived)
  std::string default_name;

  // Let's Encrypt's three, classic the default.
  static ProfileSet builtin();

  // nullptr when not offered.
  const CertificateProfile* find(std::string_view name) const;
  // The default profile (check_profiles ensures it exists).
  const CertificateProfile& default_profile() const;
  // An order's profile: its own name, or the default for "" (an order
  // stored before profiles existed). nullptr when no longer offered.
  const CertificateProfile* for_order(std::string_view name) const;
  // "classic, shortlived, tlsserver": for error messages.
  std::string names() const;
};

// kInvalidArgument naming what is wrong: no profile, a bad or repeated
// name, a default that is not among them, a validity under a minute, no
// identifier type, max_names 0, no digitalSignature keyUsage or no
// extendedKeyUsage.
Status check_profiles(const ProfileSet& set);

// A profile name's syntax: [A-Za-z0-9._-], 1..64 characters.
bool valid_profile_name(std::string_view name);

}  // namespace acmekit::server
