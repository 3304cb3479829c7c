#include "core/crypto/certificate.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <mutex>
#include <optional>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

std::unexpected<Error> cert_error(std::string_view what) {
  return make_error(ErrorKind::kCrypto, "invalid certificate: " + std::string(what) + ": " + ossl::drain_errors());
}

Result<std::chrono::system_clock::time_point> to_time_point(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return cert_error("reading validity");
  // ASN1_TIME_to_tm yields UTC fields; timegm interprets them as UTC.
  const std::time_t secs = timegm(&tm);
  // system_clock counts nanoseconds: years 1678..2262. Dates beyond that
  // exist (RFC 5280 §4.1.2.5: 99991231235959Z means "no expiration"), so
  // they are clamped instead of overflowing.
  using Clock = std::chrono::system_clock;
  constexpr auto kMin = std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::min().time_since_epoch());
  constexpr auto kMax = std::chrono::duration_cast<std::chrono::seconds>(Clock::time_point::max().time_since_epoch());
  if (secs <= kMin.count()) return Clock::time_point::min();
  if (secs >= kMax.count()) return Clock::time_point::max();
  return Clock::from_time_t(secs);
}

// The content octets of a DER TLV (X.690 §8.1): skip tag and length.
std::string der_contents(std::string_view tlv) {
  if (tlv.size() < 2) return {};
  std::size_t pos = 1;
  auto first = static_cast<unsigned char>(tlv[pos++]);
  std::size_t len = first;
  if (first & 0x80) {
    std::size_t octets = first & 0x7f;
    if (octets == 0 || octets > sizeof(std::size_t) || pos + octets > tlv.size()) return {};
    len = 0;
    for (std::size_t i = 0; i < octets; ++i) len = (len << 8) | static_cast<unsigned char>(tlv[pos++]);
  }
  if (pos + len != tlv.size()) return {};
  return std::string(tlv.substr(pos));
}

Result<CertificateInfo> describe(X509* cert) {
  CertificateInfo info;
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return cert_error("encoding DER");
  info.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);

  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return cert_error("encoding PEM");
  info.pem = ossl::bio_contents(bio.get());

  info.subject_cn = common_name(X509_get_subject_name(cert));
  info.issuer_cn = common_name(X509_get_issuer_name(cert));

  // RFC 5280 §4.1.2.2 serialNumber.
  const ASN1_INTEGER* serial = X509_get0_serialNumber(cert);
  ossl::BnPtr serial_bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!serial_bn) return cert_error("reading serial number");
  char* hex = BN_bn2hex(serial_bn.get());
  if (hex == nullptr) return cert_error("reading serial number");
  info.serial_hex = hex;
  OPENSSL_free(hex);
  std::ranges::transform(info.serial_hex, info.serial_hex.begin(), [](unsigned char c) { return std::tolower(c); });
  unsigned char* serial_tlv = nullptr;
  int serial_len = i2d_ASN1_INTEGER(serial, &serial_tlv);
  if (serial_len <= 0) return cert_error("encoding serial number");
  info.serial_der = der_contents(std::string_view(reinterpret_cast<char*>(serial_tlv), serial_len));
  OPENSSL_free(serial_tlv);

  // RFC 5280 §4.1.2.5 validity.
  ACMEKIT_TRY(info.not_before, to_time_point(X509_get0_notBefore(cert)));
  ACMEKIT_TRY(info.not_after, to_time_point(X509_get0_notAfter(cert)));

  // RFC 5280 §4.2.1.6 subjectAltName.
  int critical = 0;
  ossl::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, &critical, nullptr)));
  if (!names && critical == -2) return make_error(ErrorKind::kCrypto, "invalid certificate: duplicate subjectAltName");
  SubjectAltNames sans = read_general_names(names.get());
  info.dns_names = std::move(sans.dns_names);
  info.ip_addresses = std::move(sans.ip_addresses);

  // RFC 5280 §4.2.1.1 authorityKeyIdentifier keyIdentifier.
  if (const ASN1_OCTET_STRING* aki = X509_get0_authority_key_id(cert)) {
    info.authority_key_id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(aki)),
                                 static_cast<std::size_t>(ASN1_STRING_length(aki)));
  }

  if (EVP_PKEY* pkey = X509_get0_pubkey(cert)) {
    EVP_PKEY_up_ref(pkey);
    if (auto key = wrap_public_key(ossl::PkeyPtr(pkey))) info.public_key = *std::move(key);
  }
  ossl::clear_errors();
  return info;
}

// Issuer certificates repeat (every chain a CA returns ends in the same
// intermediate), leaves do not: parsed CA certificates are kept, at most
// kKeptIssuers (then forgotten all at once), so a repeat skips d2i_X509,
// whose public key goes through OpenSSL 3.0's decoder (a provider lookup,
// ~0.2 ms). A CertificateInfo is a function of its DER alone.
class IssuerCache {
 public:
  static constexpr std::size_t kKeptIssuers = 64;

  std::optional<CertificateInfo> find(std::string_view der) const {
    std::lock_guard lock(mutex_);
    auto it = kept_.find(der);
    if (it == kept_.end()) return std::nullopt;
    return it->second;
  }
  void keep(const CertificateInfo& info) {
    std::lock_guard lock(mutex_);
    if (kept_.size() >= kKeptIssuers) kept_.clear();
    kept_.emplace(info.der, info);
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, CertificateInfo, std::less<>> kept_;
};

IssuerCache& issuer_cache() {
  static IssuerCache cache;
  return cache;
}

}  // namespace

Result<CertificateInfo> parse_certificate_der(std::string_view der) {
  if (auto kept = issuer_cache().find(der)) return *std::move(kept);
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return cert_error("decoding DER");
  if (p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return make_error(ErrorKind::kCrypto, "invalid certificate: trailing data after the DER");
  }
  ACMEKIT_TRY(CertificateInfo info, describe(cert.get()));
  // RFC 5280 §4.1: DER. BER that OpenSSL accepts but encodes otherwise (a
  // signature BIT STRING with nonzero unused bits) would not be the bytes
  // the issuer signed or the bytes stored.
  if (info.der != der) return make_error(ErrorKind::kCrypto, "invalid certificate: not DER (it re-encodes differently)");
  // RFC 5280 §4.2.1.9: a CA certificate (cA TRUE, or a v1 self-signed root).
  if (X509_check_ca(cert.get()) != 0) issuer_cache().keep(info);
  return info;
}

Result<std::vector<CertificateInfo>> parse_pem_chain(std::string_view pem) {
  ossl::BioPtr bio = ossl::mem_bio(pem);
  std::vector<CertificateInfo> chain;
  ossl::clear_errors();
  for (;;) {
    char* name = nullptr;
    char* header = nullptr;
    unsigned char* data = nullptr;
    long len = 0;
    if (PEM_read_bio(bio.get(), &name, &header, &data, &len) != 1) {
      // Running out of blocks reports "no start line"; anything else is a
      // broken block.
      unsigned long e = ERR_peek_last_error();
      if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ossl::clear_errors();
        break;
      }
      return cert_error("reading PEM block " + std::to_string(chain.size() + 1));
    }
    std::string block_name(name);
    std::string block(reinterpret_cast<char*>(data), static_cast<std::size_t>(len));
    OPENSSL_free(name);
    OPENSSL_free(header);
    OPENSSL_free(data);
    if (block_name != "CERTIFICATE") continue;
    auto info = parse_certificate_der(block);
    if (!info) {
      return std::unexpected(
          std::move(info).error().with_context("certificate " + std::to_string(chain.size() + 1) + " of the chain"));
    }
    chain.push_back(*std::move(info));
  }
  if (chain.empty()) return make_error(ErrorKind::kCrypto, "no CERTIFICATE block in PEM");
  return chain;
}

}  // namespace acmekit::crypto
