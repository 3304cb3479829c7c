// What the CA agrees to certify and whom it agrees to talk to: identifier
// syntax and blocklists (RFC 8555 §7.1.3, §7.4; RFC 8738 for IP addresses),
// contact URLs (§7.3) and subject keys (§7.4 finalize).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"
#include "server/ra/public_suffix.h"
#include "server/va/address_policy.h"
#include "core/wire/types.h"

namespace acmekit::server::ra {

struct PolicyOptions {
  // Names under these domains (and the domains themselves) are refused with
  // rejectedIdentifier.
  std::vector<std::string> blocked_domains;
  bool allow_ip_identifiers = true;  // RFC 8738
  // IP identifiers in a range it refuses (loopback, private, link-local,
  // ...) are rejectedIdentifier: the VA would refuse to connect to them.
  // The same policy as the VA's (ValidatorOptions::address_policy).
  va::AddressPolicy address_policy;
  bool allow_wildcards = true;
  std::size_t max_identifiers = 100;  // per order
  int min_rsa_bits = 2048;
  // With a list: a name that is a public suffix (co.uk), or a wildcard on
  // one (*.co.uk), is refused.
  std::shared_ptr<const PublicSuffixList> public_suffixes;
};

// A normalised identifier: dns names lower-cased; ip addresses in canonical
// form (RFC 5952 for IPv6). rejectedIdentifier (or unsupportedIdentifier
// for an unknown type) with a detail naming the value when it is not
// acceptable: bad syntax, a bare TLD, an IP address given as a dns name, a
// wildcard anywhere but the whole leftmost label, a blocked domain, an IP
// address the address policy refuses.
Result<wire::Identifier> check_identifier(const wire::Identifier& identifier, const PolicyOptions& policy);

// Every identifier of a newOrder (§7.4): non-empty, at most max_identifiers,
// each checked; duplicates are dropped. When several are bad the error is
// rejectedIdentifier with one subproblem per identifier (§6.7.1).
Result<std::vector<wire::Identifier>> check_order_identifiers(const std::vector<wire::Identifier>& identifiers,
                                                              const PolicyOptions& policy);

// §7.3: only "mailto:" contacts with one address, no header fields, within
// RFC 5321's lengths; invalidContact / unsupportedContact otherwise.
Status check_contacts(const std::vector<std::string>& contacts);

// The key policy for account keys, key changes and CSR keys alike: ECDSA
// P-256 or P-384; RSA of min_rsa_bits (2048) to 4096 bits in whole bytes with
// the public exponent 65537. badPublicKey otherwise.
Status check_key(const crypto::PublicKey& key, const PolicyOptions& policy);
// How blocked_keys names a key: base64url SHA-256 of its SubjectPublicKeyInfo.
std::string key_block_id(const crypto::PublicKey& key);

}  // namespace acmekit::server::ra
