#include "core/crypto/certificate.h"

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"
#include "core/crypto/raw_spki.h"

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

// What a certificate's reading takes from it, wherever it was parsed (our
// RawCert or OpenSSL's X509); all borrowed.
struct CertParts {
  const X509_NAME* subject = nullptr;
  const X509_NAME* issuer = nullptr;
  const ASN1_INTEGER* serial = nullptr;
  const ASN1_TIME* not_before = nullptr;
  const ASN1_TIME* not_after = nullptr;
  const STACK_OF(X509_EXTENSION)* extensions = nullptr;
  EVP_PKEY* key = nullptr;  // null if it could not be read
};

struct Described {
  CertificateInfo info;
  bool is_ca = false;  // RFC 5280 §4.2.1.9 basicConstraints cA TRUE
};

// der is the certificate as it encodes again.
Result<Described> describe(const CertParts& cert, std::string der) {
  Described out;
  CertificateInfo& info = out.info;
  info.der = std::move(der);

  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio(bio.get(), "CERTIFICATE", "", reinterpret_cast<const unsigned char*>(info.der.data()),
                            static_cast<long>(info.der.size())) <= 0) {
    return cert_error("encoding PEM");
  }
  info.pem = ossl::bio_contents(bio.get());

  info.subject_cn = common_name(cert.subject);
  info.issuer_cn = common_name(cert.issuer);

  // RFC 5280 §4.1.2.2 serialNumber.
  ossl::BnPtr serial_bn(ASN1_INTEGER_to_BN(cert.serial, nullptr));
  if (!serial_bn) return cert_error("reading serial number");
  char* hex = BN_bn2hex(serial_bn.get());
  if (hex == nullptr) return cert_error("reading serial number");
  info.serial_hex = hex;
  OPENSSL_free(hex);
  std::ranges::transform(info.serial_hex, info.serial_hex.begin(), [](unsigned char c) { return std::tolower(c); });
  unsigned char* serial_tlv = nullptr;
  int serial_len = i2d_ASN1_INTEGER(cert.serial, &serial_tlv);
  if (serial_len <= 0) return cert_error("encoding serial number");
  info.serial_der = der_contents(std::string_view(reinterpret_cast<char*>(serial_tlv), serial_len));
  OPENSSL_free(serial_tlv);

  // RFC 5280 §4.1.2.5 validity.
  ACMEKIT_TRY(info.not_before, to_time_point(cert.not_before));
  ACMEKIT_TRY(info.not_after, to_time_point(cert.not_after));

  // RFC 5280 §4.2.1.6 subjectAltName. X509V3_get_d2i's critical is -1 when
  // the extension is absent, -2 when it is there more than once.
  int critical = 0;
  ossl::GeneralNamesPtr names(
      static_cast<GENERAL_NAMES*>(X509V3_get_d2i(cert.extensions, NID_subject_alt_name, &critical, nullptr)));
  if (!names && critical == -2) return make_error(ErrorKind::kCrypto, "invalid certificate: duplicate subjectAltName");
  SubjectAltNames sans = read_general_names(names.get());
  info.dns_names = std::move(sans.dns_names);
  info.ip_addresses = std::move(sans.ip_addresses);

  // RFC 5280 §4.2.1.1 authorityKeyIdentifier keyIdentifier (none if the
  // extension is absent, repeated or malformed, as X509_get0_authority_key_id).
  std::unique_ptr<AUTHORITY_KEYID, ossl::Deleter<AUTHORITY_KEYID_free>> akid(
      static_cast<AUTHORITY_KEYID*>(X509V3_get_d2i(cert.extensions, NID_authority_key_identifier, nullptr, nullptr)));
  if (akid && akid->keyid != nullptr) {
    info.authority_key_id.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(akid->keyid)),
                                 static_cast<std::size_t>(ASN1_STRING_length(akid->keyid)));
  }
  std::unique_ptr<BASIC_CONSTRAINTS, ossl::Deleter<BASIC_CONSTRAINTS_free>> constraints(
      static_cast<BASIC_CONSTRAINTS*>(X509V3_get_d2i(cert.extensions, NID_basic_constraints, nullptr, nullptr)));
  out.is_ca = constraints && constraints->ca != 0;

  if (cert.key != nullptr) {
    EVP_PKEY_up_ref(cert.key);
    if (auto key = wrap_public_key(ossl::PkeyPtr(cert.key))) info.public_key = *std::move(key);
  }
  ossl::clear_errors();
  return out;
}

// RFC 5280 §4.1 Certificate with its subjectPublicKeyInfo kept as algorithm
// and bits (raw_spki.h): X509 decodes the key while it parses (about
// 190 µs a certificate). A certificate with an EC key on a named curve (what
// acmekit and most ACME clients ask for) is read this way; any other goes
// X509's way (parse_certificate_der_with_x509), as does any this way cannot
// read, so the errors stay X509's.
struct RawCertInfo {
  ASN1_ENCODING enc;  // the DER as received: what the signature covers
  ASN1_INTEGER* version;
  ASN1_INTEGER* serial;
  X509_ALGOR* signature;
  X509_NAME* issuer;
  X509_VAL* validity;
  X509_NAME* subject;
  RawSpki* spki;
  ASN1_BIT_STRING* issuer_uid;
  ASN1_BIT_STRING* subject_uid;
  STACK_OF(X509_EXTENSION)* extensions;
};
struct RawCert {
  RawCertInfo* info;
  X509_ALGOR* signature_algorithm;
  ASN1_BIT_STRING* signature;
};

// The same templates as OpenSSL's X509_CINF and X509 (crypto/x509/x_x509.c),
// with RawSpki for the key.
ASN1_SEQUENCE_enc(RawCertInfo, enc, nullptr) = {
    ASN1_EXP_OPT(RawCertInfo, version, ASN1_INTEGER, 0),
    ASN1_SIMPLE(RawCertInfo, serial, ASN1_INTEGER),
    ASN1_SIMPLE(RawCertInfo, signature, X509_ALGOR),
    ASN1_SIMPLE(RawCertInfo, issuer, X509_NAME),
    ASN1_SIMPLE(RawCertInfo, validity, X509_VAL),
    ASN1_SIMPLE(RawCertInfo, subject, X509_NAME),
    ASN1_SIMPLE(RawCertInfo, spki, RawSpki),
    ASN1_IMP_OPT(RawCertInfo, issuer_uid, ASN1_BIT_STRING, 1),
    ASN1_IMP_OPT(RawCertInfo, subject_uid, ASN1_BIT_STRING, 2),
    ASN1_EXP_SEQUENCE_OF_OPT(RawCertInfo, extensions, X509_EXTENSION, 3),
} static_ASN1_SEQUENCE_END_ref(RawCertInfo, RawCertInfo)

ASN1_SEQUENCE(RawCert) = {
    ASN1_SIMPLE(RawCert, info, RawCertInfo),
    ASN1_SIMPLE(RawCert, signature_algorithm, X509_ALGOR),
    ASN1_SIMPLE(RawCert, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(RawCert)

struct RawCertFree {
  void operator()(RawCert* c) const { ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(c), ASN1_ITEM_rptr(RawCert)); }
};
using RawCertPtr = std::unique_ptr<RawCert, RawCertFree>;

// The certificate read the fast way; nullopt: take X509's way.
std::optional<Result<Described>> parse_named_curve_certificate(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  RawCertPtr cert(reinterpret_cast<RawCert*>(
      ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(RawCert))));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    ossl::clear_errors();
    return std::nullopt;
  }
  ossl::PkeyPtr key = named_curve_key(*cert->info->spki);
  if (!key) return std::nullopt;
  unsigned char* out = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(cert.get()), &out, ASN1_ITEM_rptr(RawCert));
  if (len <= 0) return std::nullopt;
  std::string encoded(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  const RawCertInfo& info = *cert->info;
  return describe({.subject = info.subject,
                   .issuer = info.issuer,
                   .serial = info.serial,
                   .not_before = info.validity->notBefore,
                   .not_after = info.validity->notAfter,
                   .extensions = info.extensions,
                   .key = key.get()},
                  std::move(encoded));
}

Result<Described> parse_with_x509(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return cert_error("decoding DER");
  if (p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return make_error(ErrorKind::kCrypto, "invalid certificate: trailing data after the DER");
  }
  unsigned char* out = nullptr;
  const int len = i2d_X509(cert.get(), &out);
  if (len <= 0) return cert_error("encoding DER");
  std::string encoded(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  return describe({.subject = X509_get_subject_name(cert.get()),
                   .issuer = X509_get_issuer_name(cert.get()),
                   .serial = X509_get0_serialNumber(cert.get()),
                   .not_before = X509_get0_notBefore(cert.get()),
                   .not_after = X509_get0_notAfter(cert.get()),
                   .extensions = X509_get0_extensions(cert.get()),
                   .key = X509_get0_pubkey(cert.get())},
                  std::move(encoded));
}

// RFC 5280 §4.1: DER. BER that OpenSSL accepts but encodes otherwise (a
// signature BIT STRING with nonzero unused bits) would not be the bytes the
// issuer signed or the bytes stored.
Result<Described> checked(Result<Described> described, std::string_view der) {
  if (described && described->info.der != der) {
    return make_error(ErrorKind::kCrypto, "invalid certificate: not DER (it re-encodes differently)");
  }
  return described;
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

Result<CertificateInfo> parse_certificate_der_with_x509(std::string_view der) {
  ACMEKIT_TRY(Described described, checked(parse_with_x509(der), der));
  return std::move(described.info);
}

Result<CertificateInfo> parse_certificate_der(std::string_view der) {
  if (auto kept = issuer_cache().find(der)) return *std::move(kept);
  auto fast = parse_named_curve_certificate(der);
  ACMEKIT_TRY(Described described, checked(fast ? *std::move(fast) : parse_with_x509(der), der));
  if (described.is_ca) issuer_cache().keep(described.info);
  return std::move(described.info);
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
