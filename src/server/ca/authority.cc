#include "server/ca/authority.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "core/crypto/certificate.h"
#include "core/crypto/digest.h"
#include "core/crypto/x509_builder.h"
#include "core/fs/atomic_file.h"
#include "core/hex.h"
#include "server/ca/crl_shard.h"

namespace acmekit::server::ca {

struct Authority::State {
  crypto::PrivateKey intermediate_key;
  std::string intermediate_der;
  crypto::CertificateSigner signer;  // the intermediate, decoded and checked once
  std::string crl_url_base;  // empty: no cRLDistributionPoints
  int crl_shards = 128;
};

namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::hours;

constexpr const char* kRootCert = "root.pem";  // written last: its presence means "complete"
constexpr const char* kRootKey = "root.key.pem";
constexpr const char* kIntermediateCert = "intermediate.pem";
constexpr const char* kIntermediateKey = "intermediate.key.pem";
constexpr const char* kAltRootCert = "root-alt.pem";  // written last of the alternate pair
constexpr const char* kAltIntermediateCert = "intermediate-alt.pem";

constexpr days kRootLifetime{3653 * 2};    // 20 years
constexpr days kIntermediateLifetime{1826};  // 5 years
constexpr days kListenerLifetime{365};
constexpr hours kBackdate{1};  // tolerate clock skew of whoever checks the CA certificates

std::string random_hex(std::size_t bytes) {
  std::string out;
  for (unsigned char c : crypto::random_bytes(bytes)) out += fmt::format("{:02x}", c);
  return out;
}

// 128 random bits, never zero (encoded positive by sign_certificate).
std::string random_serial() {
  for (;;) {
    std::string serial = crypto::random_bytes(16);
    if (std::ranges::any_of(serial, [](char c) { return c != 0; })) return serial;
  }
}

// A serial's bytes as lower-case hex without leading zero octets: the
// INTEGER's magnitude, as parse_certificate_der writes serial_hex.
std::string serial_hex(std::string_view serial) {
  while (serial.size() > 1 && serial.front() == '\0') serial.remove_prefix(1);
  return to_hex(serial);
}

// fs::exists without throwing; an unreadable directory is an error, never
// "absent" (which would regenerate the CA).
Result<bool> file_exists(const fs::path& path) {
  std::error_code ec;
  bool found = fs::exists(path, ec);
  if (ec) return make_error(ErrorKind::kIo, fmt::format("checking {}: {}", path.string(), ec.message()));
  return found;
}

std::unexpected<Error> material_error(const fs::path& dir, std::string_view what) {
  return make_error(ErrorKind::kCrypto, fmt::format("CA key material in {}: {} (refusing to regenerate it)",
                                                    dir.string(), what));
}

Result<std::string> make_root(const crypto::PrivateKey& key, const std::string& name, std::string_view label) {
  crypto::CertificateTemplate t;
  t.common_name = fmt::format("{} {} {}", name, label, random_hex(2));
  t.organization = name;
  t.serial = random_serial();
  auto now = std::chrono::system_clock::now();
  t.not_before = now - kBackdate;
  t.not_after = now + kRootLifetime;
  t.is_ca = true;
  t.key_usage = {.key_cert_sign = true, .crl_sign = true};
  return crypto::sign_certificate(t, key.public_key(), key, {});
}

// The intermediate (or its cross-signed twin: same subject and key).
Result<std::string> make_intermediate(const crypto::PublicKey& key, const std::string& common_name,
                                      const crypto::PrivateKey& root_key, std::string_view root_der) {
  crypto::CertificateTemplate t;
  t.common_name = common_name;
  t.serial = random_serial();
  auto now = std::chrono::system_clock::now();
  t.not_before = now - kBackdate;
  t.not_after = now + kIntermediateLifetime;
  t.is_ca = true;
  t.path_length = 0;  // signs leaves only
  t.key_usage = {.digital_signature = true, .key_cert_sign = true, .crl_sign = true};
  t.server_auth = true;
  return crypto::sign_certificate(t, key, root_key, root_der);
}

Status write_key(const fs::path& path, const crypto::PrivateKey& key) {
  return fsio::write_file_atomic(path, key.to_pem(), 0600);
}

Status write_cert(const fs::path& path, std::string_view der) {
  ACMEKIT_TRY(std::string pem, crypto::der_to_pem(der));
  return fsio::write_file_atomic(path, pem, 0644);
}

// A second root cross-signing the intermediate: intermediate-alt.pem, then
// root-alt.pem. The alternate root's key is not kept.
Status create_alternate(const fs::path& dir, const AuthorityOptions& options, const crypto::CertificateInfo& intermediate) {
  ACMEKIT_TRY(crypto::PrivateKey root_key, crypto::PrivateKey::generate(options.key_spec));
  ACMEKIT_TRY(std::string root_der, make_root(root_key, options.name, "alternate root"));
  ACMEKIT_TRY(std::string cross_der,
              make_intermediate(intermediate.public_key, intermediate.subject_cn, root_key, root_der));
  ACMEKIT_CHECK(write_cert(dir / kAltIntermediateCert, cross_der));
  return write_cert(dir / kAltRootCert, root_der);
}

Status create(const fs::path& dir, const AuthorityOptions& options) {
  // A creation interrupted earlier may have left an alternate pair for keys
  // that are about to be replaced.
  std::error_code ec;
  fs::remove(dir / kAltRootCert, ec);
  if (ec) return make_error(ErrorKind::kIo, fmt::format("removing {}: {}", (dir / kAltRootCert).string(), ec.message()));

  ACMEKIT_TRY(crypto::PrivateKey root_key, crypto::PrivateKey::generate(options.key_spec));
  ACMEKIT_TRY(crypto::PrivateKey intermediate_key, crypto::PrivateKey::generate(options.key_spec));
  ACMEKIT_TRY(std::string root_der, make_root(root_key, options.name, "root"));
  ACMEKIT_TRY(std::string intermediate_der,
              make_intermediate(intermediate_key.public_key(), fmt::format("{} intermediate {}", options.name, random_hex(2)),
                                root_key, root_der));
  ACMEKIT_CHECK(write_key(dir / kRootKey, root_key));
  ACMEKIT_CHECK(write_key(dir / kIntermediateKey, intermediate_key));
  ACMEKIT_CHECK(write_cert(dir / kIntermediateCert, intermediate_der));
  if (options.alternate_chain) {
    ACMEKIT_TRY(crypto::CertificateInfo intermediate, crypto::parse_certificate_der(intermediate_der));
    ACMEKIT_CHECK(create_alternate(dir, options, intermediate));
  }
  return write_cert(dir / kRootCert, root_der);
}

Result<crypto::CertificateInfo> read_cert(const fs::path& path) {
  auto pem = fsio::read_file(path);
  if (!pem) return std::unexpected(std::move(pem).error().with_context("reading " + path.string()));
  auto chain = crypto::parse_pem_chain(*pem);
  if (!chain) return std::unexpected(std::move(chain).error().with_context(path.string()));
  if (chain->size() != 1) return make_error(ErrorKind::kCrypto, path.string() + ": expected one certificate");
  return std::move(chain->front());
}

Result<crypto::PrivateKey> read_key(const fs::path& path) {
  auto pem = fsio::read_file(path);
  if (!pem) return std::unexpected(std::move(pem).error().with_context("reading " + path.string()));
  auto key = crypto::PrivateKey::from_pem(*pem);
  if (!key) return std::unexpected(std::move(key).error().with_context(path.string()));
  return key;
}

// Reads the alternate pair and checks it chains to the intermediate key.
Result<std::string> load_alternate(const fs::path& dir, const crypto::PrivateKey& intermediate_key) {
  ACMEKIT_TRY(crypto::CertificateInfo root, read_cert(dir / kAltRootCert));
  ACMEKIT_TRY(crypto::CertificateInfo cross, read_cert(dir / kAltIntermediateCert));
  if (!(cross.public_key == intermediate_key.public_key())) {
    return material_error(dir, fmt::format("{} is not for {}", kAltIntermediateCert, kIntermediateKey));
  }
  if (auto ok = crypto::verify_issued_by(cross.der, root.der); !ok) {
    return material_error(dir, fmt::format("{} is not signed by {}: {}", kAltIntermediateCert, kAltRootCert,
                                           ok.error().detail));
  }
  return cross.pem;
}

}  // namespace

Result<std::unique_ptr<Authority>> Authority::load_or_create(const fs::path& dir, const AuthorityOptions& options) {
  ACMEKIT_TRY(bool complete, file_exists(dir / kRootCert));
  if (!complete) {
    // First start, or a creation that did not finish: start over.
    ACMEKIT_CHECK(create(dir, options));
  }
  ACMEKIT_TRY(crypto::CertificateInfo root, read_cert(dir / kRootCert));
  ACMEKIT_TRY(crypto::CertificateInfo intermediate, read_cert(dir / kIntermediateCert));
  ACMEKIT_TRY(crypto::PrivateKey intermediate_key, read_key(dir / kIntermediateKey));
  // The root key is needed only to create the hierarchy; it may be moved
  // offline, but if it is here it must be the root's.
  ACMEKIT_TRY(bool have_root_key, file_exists(dir / kRootKey));
  if (have_root_key) {
    ACMEKIT_TRY(crypto::PrivateKey root_key, read_key(dir / kRootKey));
    if (!(root_key.public_key() == root.public_key)) {
      return material_error(dir, fmt::format("{} does not match {}", kRootKey, kRootCert));
    }
  }
  if (!(intermediate_key.public_key() == intermediate.public_key)) {
    return material_error(dir, fmt::format("{} does not match {}", kIntermediateKey, kIntermediateCert));
  }
  if (auto ok = crypto::verify_issued_by(root.der, root.der); !ok) {
    return material_error(dir, fmt::format("{} is not self-signed: {}", kRootCert, ok.error().detail));
  }
  if (auto ok = crypto::verify_issued_by(intermediate.der, root.der); !ok) {
    return material_error(dir, fmt::format("{} is not signed by {}: {}", kIntermediateCert, kRootCert,
                                           ok.error().detail));
  }

  std::vector<std::string> chains{intermediate.pem};
  if (options.alternate_chain) {
    // RFC 8555 §7.4.2 alternate chain; added to a CA created without one.
    ACMEKIT_TRY(bool have_alternate, file_exists(dir / kAltRootCert));
    if (!have_alternate) ACMEKIT_CHECK(create_alternate(dir, options, intermediate));
    ACMEKIT_TRY(std::string cross_pem, load_alternate(dir, intermediate_key));
    chains.push_back(std::move(cross_pem));
  }
  if (!options.crl_url_base.empty() && (options.crl_shards < 1 || options.crl_shards > kMaxCrlShards)) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("CRL shards must be 1..{}", kMaxCrlShards));
  }
  ACMEKIT_TRY(crypto::CertificateSigner signer, crypto::CertificateSigner::create(intermediate_key, intermediate.der));
  auto state = std::make_shared<const State>(State{std::move(intermediate_key), std::move(intermediate.der),
                                                   std::move(signer), options.crl_url_base, options.crl_shards});
  return std::make_unique<Authority>(std::move(state), std::move(chains), std::move(root.pem));
}

Result<IssuedCertificate> Authority::issue(const crypto::PublicKey& subject_key,
                                           const std::vector<wire::Identifier>& identifiers, TimePoint not_before,
                                           TimePoint not_after) const {
  // What every leaf carried before profiles: digitalSignature (+
  // keyEncipherment for RSA), serverAuth.
  static const CertificateProfile kServer{.name = "server", .key_encipherment = true};
  return issue(subject_key, identifiers, not_before, not_after, kServer);
}

Result<IssuedCertificate> Authority::issue(const crypto::PublicKey& subject_key,
                                           const std::vector<wire::Identifier>& identifiers, TimePoint not_before,
                                           TimePoint not_after, const CertificateProfile& profile) const {
  if (identifiers.empty()) return make_error(ErrorKind::kInvalidArgument, "issuing: no identifiers");
  crypto::CertificateTemplate t;
  for (const auto& id : identifiers) {
    if (id.type == "dns") {
      t.dns_names.push_back(id.value);  // RFC 8555 §7.1.3: a wildcard keeps its "*."
    } else if (id.type == "ip") {
      t.ip_addresses.push_back(id.value);  // RFC 8738 §3
    } else {
      return make_error(ErrorKind::kInvalidArgument, "issuing: unsupported identifier type \"" + id.type + "\"");
    }
  }
  // RFC 5280 Appendix A ub-common-name: 64.
  if (!t.dns_names.empty() && t.dns_names.front().size() <= 64) t.common_name = t.dns_names.front();
  t.serial = random_serial();
  t.not_before = not_before;
  t.not_after = not_after;
  // RSA keys may also be used for key transport (RFC 5280 §4.2.1.3), when
  // the profile asks for it.
  t.key_usage = {.digital_signature = profile.digital_signature,
                 .key_encipherment = profile.key_encipherment && subject_key.algorithm() == crypto::KeyAlgorithm::kRsa};
  if (!t.key_usage.digital_signature && !t.key_usage.key_encipherment) {
    return make_error(ErrorKind::kInvalidArgument,
                      "issuing: profile " + profile.name + " leaves this key no keyUsage (keyEncipherment is for RSA keys)");
  }
  t.server_auth = profile.server_auth;  // RFC 5280 §4.2.1.12
  t.client_auth = profile.client_auth;
  if (!state_->crl_url_base.empty()) {
    // RFC 5280 §4.2.1.13: the CRL of the shard of this notAfter (whole
    // seconds, as encoded), which will list it if it is revoked.
    t.crl_distribution_point = crl_url(state_->crl_url_base, crl_shard(not_after, state_->crl_shards));
  }
  ACMEKIT_TRY(crypto::SignedCertificate signed_cert, state_->signer.sign(t, subject_key));
  // What the certificate says, known without parsing it back: the serial as
  // certificate.h's parser writes it, the validity in whole seconds (as
  // encoded, RFC 5280 §4.1.2.5).
  return IssuedCertificate{.leaf_pem = std::move(signed_cert.pem),
                           .serial_hex = serial_hex(t.serial),
                           .not_before = std::chrono::floor<std::chrono::seconds>(not_before),
                           .not_after = std::chrono::floor<std::chrono::seconds>(not_after)};
}

Result<std::string> Authority::sign_crl(const crypto::CrlTemplate& tmpl) const {
  return crypto::sign_crl(tmpl, state_->intermediate_key, state_->intermediate_der);
}

Result<std::pair<std::string, std::string>> Authority::listener_credentials(
    const std::vector<std::string>& names) const {
  std::vector<wire::Identifier> identifiers;
  for (const auto& name : names) {
    unsigned char buf[16];
    bool ip = inet_pton(AF_INET, name.c_str(), buf) == 1 || inet_pton(AF_INET6, name.c_str(), buf) == 1;
    identifiers.push_back({.type = ip ? "ip" : "dns", .value = name});
  }
  ACMEKIT_TRY(crypto::PrivateKey key, crypto::PrivateKey::generate({}));
  auto now = std::chrono::system_clock::now();
  ACMEKIT_TRY(IssuedCertificate leaf, issue(key.public_key(), identifiers, now - kBackdate, now + kListenerLifetime));
  return std::pair{leaf.leaf_pem + chains_.front(), key.to_pem()};
}

}  // namespace acmekit::server::ca
