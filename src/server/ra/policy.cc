#include "server/ra/policy.h"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "core/base64url.h"
#include "core/crypto/digest.h"
#include "core/wire/json.h"
#include "server/problems.h"

namespace acmekit::server::ra {
namespace {

bool is_ldh_label(std::string_view label) {
  // RFC 1035 §2.3.1 / RFC 5891: letters, digits, hyphens; no hyphen at
  // either end; 1..63 octets. Punycode (xn--) labels pass as LDH.
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::vector<std::string_view> split_labels(std::string_view name) {
  std::vector<std::string_view> labels;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    labels.push_back(name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return labels;
}

// RFC 5891 §4.2.3.1, §5.4: a label with "--" in its third and fourth
// places is reserved unless it is an A-label ("xn--"), and an A-label must
// be a valid IDNA2008 label (UTS #46 non-transitional, as browsers do):
// decoding it and encoding the result gives it back. nullopt: fine.
std::optional<std::string> idna_problem(std::string_view label) {
  if (label.size() < 4 || label.substr(2, 2) != "--") return std::nullopt;
  if (!label.starts_with("xn--")) return fmt::format("{:?} is a reserved label (only xn-- labels may have -- there)", label);
  const std::string ascii(label);
  char* unicode = nullptr;
  if (idn2_to_unicode_8z8z(ascii.c_str(), &unicode, 0) != IDN2_OK || unicode == nullptr) {
    return fmt::format("{:?} is not a valid IDNA A-label", label);
  }
  char* back = nullptr;
  const int rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(unicode), reinterpret_cast<uint8_t**>(&back),
                                IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT);
  const bool same = rc == IDN2_OK && back != nullptr && ascii == back;
  idn2_free(unicode);
  idn2_free(back);
  if (!same) return fmt::format("{:?} is not a valid IDNA A-label (RFC 5891)", label);
  return std::nullopt;
}

bool parses_as_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

bool is_blocked(std::string_view name, const PolicyOptions& policy) {
  for (const auto& blocked : policy.blocked_domains) {
    if (name == blocked) return true;
    if (name.size() > blocked.size() && name.ends_with(blocked) && name[name.size() - blocked.size() - 1] == '.') {
      return true;
    }
  }
  return false;
}

Result<wire::Identifier> check_dns(std::string value, const PolicyOptions& policy) {
  std::transform(value.begin(), value.end(), value.begin(), [](unsigned char c) { return std::tolower(c); });
  auto reject = [&](std::string_view why) {
    return problem("rejectedIdentifier", fmt::format("{:?} is not an acceptable DNS name: {}", value, why));
  };
  if (value.empty()) return reject("empty");
  if (value.size() > 253) return reject("longer than 253 characters");
  if (value.back() == '.') return reject("a trailing dot is not allowed");
  std::string_view base = value;
  if (value.starts_with("*.")) {
    if (!policy.allow_wildcards) return reject("wildcards are not allowed");
    base = std::string_view(value).substr(2);
  }
  if (base.find('*') != std::string_view::npos) {
    return reject("a wildcard must be the whole leftmost label (RFC 8555 §7.1.3)");
  }
  if (parses_as_ip(std::string(base))) return reject("an IP address must be an \"ip\" identifier (RFC 8738)");
  auto labels = split_labels(base);
  if (labels.size() < 2) return reject("a single label (a bare TLD or host name) cannot be certified");
  for (auto label : labels) {
    if (!is_ldh_label(label)) return reject(fmt::format("bad label {:?}", label));
    if (auto why = idna_problem(label)) return reject(*why);
  }
  if (std::all_of(labels.back().begin(), labels.back().end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return reject("the top-level label is numeric");
  }
  if (is_blocked(base, policy)) return reject("the name is blocked by this CA's policy");
  // Nobody controls a public suffix for everyone under it (Boulder refuses
  // both): not co.uk, not *.co.uk.
  if (policy.public_suffixes && policy.public_suffixes->is_public_suffix(base)) {
    return reject(value.starts_with("*.") ? "a wildcard on a public suffix" : "it is a public suffix");
  }
  return wire::Identifier{"dns", value};
}

Result<wire::Identifier> check_ip(const std::string& value, const PolicyOptions& policy) {
  if (!policy.allow_ip_identifiers) {
    return problem("unsupportedIdentifier", "this CA does not issue for IP addresses");
  }
  // RFC 8738 §3: the textual form; we answer with the canonical form.
  wire::Identifier id = wire::identifier_for(value);
  if (id.type != "ip") {
    return problem("rejectedIdentifier", fmt::format("{:?} is not an IPv4 or IPv6 address", value));
  }
  // Issue 17: the VA would refuse to connect to it (address_policy.h).
  if (auto why = policy.address_policy.refusal(id.value)) {
    return problem("rejectedIdentifier", *why + "; this CA does not validate or certify it");
  }
  return id;
}

}  // namespace

Result<wire::Identifier> check_identifier(const wire::Identifier& identifier, const PolicyOptions& policy) {
  if (identifier.type == "dns") return check_dns(identifier.value, policy);
  if (identifier.type == "ip") return check_ip(identifier.value, policy);
  return problem("unsupportedIdentifier", fmt::format("identifier type {:?} is not supported", identifier.type));
}

Result<std::vector<wire::Identifier>> check_order_identifiers(const std::vector<wire::Identifier>& identifiers,
                                                              const PolicyOptions& policy) {
  if (identifiers.empty()) return malformed("an order needs at least one identifier (RFC 8555 §7.4)");
  if (identifiers.size() > policy.max_identifiers) {
    return problem("rejectedIdentifier",
                   fmt::format("an order may have at most {} identifiers", policy.max_identifiers));
  }
  std::vector<wire::Identifier> out;
  std::set<std::pair<std::string, std::string>> seen;
  std::vector<SubProblem> subproblems;
  Error first;
  for (const auto& id : identifiers) {
    auto checked = check_identifier(id, policy);
    if (!checked) {
      if (subproblems.empty()) first = checked.error();
      subproblems.push_back(SubProblem{.type = checked.error().type,
                                       .detail = checked.error().detail,
                                       .identifier_type = id.type,
                                       .identifier_value = id.value});
      continue;
    }
    if (seen.emplace(checked->type, checked->value).second) out.push_back(std::move(*checked));
  }
  if (subproblems.size() == 1) return std::unexpected(first);
  if (!subproblems.empty()) {
    // §6.7.1: one problem per identifier under a top-level rejectedIdentifier.
    Error e = acme_problem("rejectedIdentifier",
                           fmt::format("{} identifiers of this order are not acceptable", subproblems.size()));
    e.subproblems = std::move(subproblems);
    return std::unexpected(e);
  }
  return out;
}

Status check_contacts(const std::vector<std::string>& contacts) {
  for (const auto& contact : contacts) {
    if (!contact.starts_with("mailto:")) {
      return problem("unsupportedContact", fmt::format("contact {:?}: only mailto: URLs are supported", contact));
    }
    std::string_view address = std::string_view(contact).substr(7);
    // §7.3: no hfields, exactly one address.
    if (address.find('?') != std::string_view::npos || address.find(',') != std::string_view::npos) {
      return problem("invalidContact", fmt::format("contact {:?}: one address, no header fields", contact));
    }
    // RFC 5321 §4.5.3.1: a local part of at most 64 octets, a domain of at
    // most 255, a path of at most 256 (so an address of at most 254).
    auto at = address.rfind('@');
    if (at != std::string_view::npos && (at > 64 || address.size() - at - 1 > 255 || address.size() > 254)) {
      return problem("invalidContact", fmt::format("contact {:?} is longer than RFC 5321 allows", contact));
    }
    if (at == std::string_view::npos || at == 0 || at + 1 >= address.size() ||
        address.find_first_of(" <>\"") != std::string_view::npos) {
      return problem("invalidContact", fmt::format("contact {:?} is not an email address", contact));
    }
  }
  return {};
}

Status check_key(const crypto::PublicKey& key, const PolicyOptions& policy) {
  if (!key.impl_) return problem("badPublicKey", "unsupported key type: use ECDSA P-256/P-384 or RSA");
  if (key.algorithm() != crypto::KeyAlgorithm::kRsa) return {};  // P-256 and P-384 are all we parse
  // Boulder's goodkey: a modulus of whole bytes from min_rsa_bits (2048) to
  // 4096 bits, and the public exponent 65537 (a small one such as 3 has
  // known attacks; other large ones gain nothing).
  if (key.bits() < policy.min_rsa_bits || key.bits() > 4096 || key.bits() % 8 != 0) {
    return problem("badPublicKey", fmt::format("RSA keys must have {} to 4096 bits in whole bytes, this one has {}",
                                               policy.min_rsa_bits, key.bits()));
  }
  if (key.rsa_public_exponent() != std::optional<std::uint64_t>(65537)) {
    return problem("badPublicKey", "RSA keys must have the public exponent 65537");
  }
  return {};
}

std::string key_block_id(const crypto::PublicKey& key) {
  return base64url_encode(crypto::sha256(key.spki_der()));
}

}  // namespace acmekit::server::ra
