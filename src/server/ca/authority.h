// Certificate authority: the root and intermediate that sign what the CA
// issues, kept in the data directory, and leaf issuance (RFC 5280 profile of
// the CA/Browser Forum baseline requirements, simplified for an internal CA).
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/crypto/crl.h"
#include "core/crypto/key.h"
#include "core/error.h"
#include "core/wire/types.h"
#include "server/profiles.h"

namespace acmekit::server::ca {

using TimePoint = std::chrono::system_clock::time_point;

struct AuthorityOptions {
  crypto::KeySpec key_spec;  // root and intermediate keys (ECDSA P-256 by default; RSA 2048+ with --issuer-key-type rsa)
  std::string name = "acmekit-ca";  // CN prefix: "<name> root", "<name> intermediate"
  // Also create a second root that cross-signs the intermediate, served as
  // a Link: rel="alternate" chain (RFC 8555 §7.4.2).
  bool alternate_chain = false;
  // RFC 5280 §4.2.1.13: with a base ("http://HOST:PORT"), every leaf gets a
  // cRLDistributionPoints naming its shard's CRL (crl_shard.h, crl_url);
  // empty: CRLs are off and leaves carry none.
  std::string crl_url_base;
  int crl_shards = 128;
};

struct IssuedCertificate {
  std::string leaf_pem;
  std::string serial_hex;  // lower-case, no separators; at least 64 random bits
  TimePoint not_before{}, not_after{};
};

class Authority {
 public:
  // On first use creates in dir: root.pem (+ root.key.pem),
  // intermediate.pem (+ intermediate.key.pem), and with alternate_chain
  // root-alt.pem + intermediate-alt.pem (the same intermediate key,
  // cross-signed). Key files are mode 0600, everything written atomically.
  // Later calls load them (options.key_spec is then ignored).
  static Result<std::unique_ptr<Authority>> load_or_create(const std::filesystem::path& dir,
                                                           const AuthorityOptions& options);

  // Signs a leaf for subject_key: SANs from identifiers (dNSName, iPAddress;
  // a wildcard keeps "*."), CN the first dns name if ≤ 64 chars, a random
  // serial of 128 bits (positive), AKI/SKI, keyUsage digitalSignature (+
  // keyEncipherment for RSA), EKU serverAuth, basicConstraints CA:FALSE.
  // Validity [not_before, not_after]; the caller picks them.
  Result<IssuedCertificate> issue(const crypto::PublicKey& subject_key, const std::vector<wire::Identifier>& identifiers,
                                  TimePoint not_before, TimePoint not_after) const;
  // The same with the keyUsage and extendedKeyUsage of a certificate profile
  // (draft-ietf-acme-profiles; profiles.h): keyEncipherment only for an RSA
  // subject key. The profile's identifier rules and lifetime are the RA's.
  Result<IssuedCertificate> issue(const crypto::PublicKey& subject_key, const std::vector<wire::Identifier>& identifiers,
                                  TimePoint not_before, TimePoint not_after, const CertificateProfile& profile) const;

  // The chains served after a leaf: [0] is the default (intermediate PEM),
  // [1] the alternate when configured (alternate intermediate PEM).
  const std::vector<std::string>& chains() const { return chains_; }
  const std::string& root_pem() const { return root_pem_; }

  // The intermediate's PEM, the issuer of every leaf and every CRL (the
  // alternate chain's cross-signed intermediate has the same subject and
  // key, so a CRL verifies under either chain).
  const std::string& intermediate_pem() const { return chains_.front(); }
  // Signs a CRL (RFC 5280 §5) with the intermediate's key.
  Result<std::string> sign_crl(const crypto::CrlTemplate& tmpl) const;

  // A certificate for the CA's own HTTPS listener, signed by the
  // intermediate, valid for names (dns or ip) — made at each start, never
  // stored. Returns {chain PEM (leaf + intermediate), key PEM}.
  Result<std::pair<std::string, std::string>> listener_credentials(const std::vector<std::string>& names) const;

  struct State;
  explicit Authority(std::shared_ptr<const State> state, std::vector<std::string> chains, std::string root_pem)
      : state_(std::move(state)), chains_(std::move(chains)), root_pem_(std::move(root_pem)) {}

 private:
  std::shared_ptr<const State> state_;  // keys and issuer certificates
  std::vector<std::string> chains_;
  std::string root_pem_;
};

}  // namespace acmekit::server::ca
