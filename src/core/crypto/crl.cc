#include "core/crypto/crl.h"

#include <algorithm>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

using CrlPtr = std::unique_ptr<X509_CRL, ossl::Deleter<X509_CRL_free>>;
using RevokedPtr = std::unique_ptr<X509_REVOKED, ossl::Deleter<X509_REVOKED_free>>;
using TimePtr = std::unique_ptr<ASN1_TIME, ossl::Deleter<ASN1_TIME_free>>;
using IntegerPtr = std::unique_ptr<ASN1_INTEGER, ossl::Deleter<ASN1_INTEGER_free>>;
using EnumeratedPtr = std::unique_ptr<ASN1_ENUMERATED, ossl::Deleter<ASN1_ENUMERATED_free>>;
using IssuingDistPointPtr = std::unique_ptr<ISSUING_DIST_POINT, ossl::Deleter<ISSUING_DIST_POINT_free>>;

std::unexpected<Error> invalid(std::string_view what) {
  return make_error(ErrorKind::kInvalidArgument, "CRL template: " + std::string(what));
}

Status check_template(const CrlTemplate& t) {
  if (t.next_update <= t.this_update) return invalid("nextUpdate not after thisUpdate");  // RFC 5280 §5.1.2.5
  for (const auto& e : t.entries) {
    if (e.serial.empty() || e.serial.size() > 20) return invalid("serial must be 1..20 bytes");
    if (e.reason < 0 || e.reason > 10 || e.reason == 7) return invalid("reason code not in RFC 5280 §5.3.1");
  }
  return {};
}

Result<TimePtr> make_time(std::chrono::system_clock::time_point t) {
  // RFC 5280 §5.1.2.4: UTCTime through 2049, GeneralizedTime from 2050
  // (ASN1_TIME_set chooses so).
  TimePtr time(ASN1_TIME_set(nullptr, std::chrono::system_clock::to_time_t(t)));
  if (!time) return ossl::crypto_error("setting CRL time");
  return time;
}

Result<IntegerPtr> serial_integer(const std::string& serial) {
  ossl::BnPtr bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(serial.data()), static_cast<int>(serial.size()),
                           nullptr));
  IntegerPtr out(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  if (!out) return ossl::crypto_error("encoding serial number");
  return out;
}

Status add_entry(X509_CRL* crl, const RevokedEntry& e) {
  RevokedPtr revoked(X509_REVOKED_new());
  if (!revoked) return ossl::crypto_error("building CRL entry");
  ACMEKIT_TRY(IntegerPtr serial, serial_integer(e.serial));
  ACMEKIT_TRY(TimePtr when, make_time(e.revoked_at));
  if (X509_REVOKED_set_serialNumber(revoked.get(), serial.get()) != 1 ||
      X509_REVOKED_set_revocationDate(revoked.get(), when.get()) != 1) {
    return ossl::crypto_error("building CRL entry");
  }
  if (e.reason != 0) {
    // RFC 5280 §5.3.1: reasonCode, non-critical; absent means unspecified.
    EnumeratedPtr reason(ASN1_ENUMERATED_new());
    if (!reason || ASN1_ENUMERATED_set(reason.get(), e.reason) != 1 ||
        X509_REVOKED_add1_ext_i2d(revoked.get(), NID_crl_reason, reason.get(), 0, X509V3_ADD_DEFAULT) != 1) {
      return ossl::crypto_error("adding reasonCode");
    }
  }
  if (X509_CRL_add0_revoked(crl, revoked.get()) != 1) return ossl::crypto_error("adding CRL entry");
  revoked.release();
  return {};
}

// RFC 5280 §5.2.1: the keyIdentifier of the issuer's subjectKeyIdentifier.
Status add_authority_key_id(X509_CRL* crl, X509* issuer) {
  ACMEKIT_TRY(ossl::AuthorityKeyIdPtr akid, ossl::authority_key_id_of(issuer));
  if (X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return ossl::crypto_error("adding authorityKeyIdentifier");
  }
  return {};
}

// RFC 5280 §5.2.5: critical; the partition's URI and
// onlyContainsUserCerts (the CA lists leaves only).
Status add_issuing_distribution_point(X509_CRL* crl, std::string_view uri) {
  ACMEKIT_TRY(DistPointNamePtr name, make_distribution_point_name(uri));
  IssuingDistPointPtr idp(ISSUING_DIST_POINT_new());
  if (!idp) return ossl::crypto_error("building issuingDistributionPoint");
  idp->distpoint = name.release();
  idp->onlyuser = 0xFF;  // DER TRUE (X.690 §11.1)
  if (X509_CRL_add1_ext_i2d(crl, NID_issuing_distribution_point, idp.get(), 1, X509V3_ADD_DEFAULT) != 1) {
    return ossl::crypto_error("adding issuingDistributionPoint");
  }
  return {};
}

}  // namespace

Result<std::string> sign_crl(const CrlTemplate& tmpl, const PrivateKey& issuer_key, std::string_view issuer_cert_der) {
  EVP_PKEY* issuer_pkey = pkey_of(issuer_key);
  if (issuer_pkey == nullptr) return invalid("missing issuer key");
  ACMEKIT_CHECK(check_template(tmpl));
  const auto* p = reinterpret_cast<const unsigned char*>(issuer_cert_der.data());
  ossl::X509Ptr issuer(d2i_X509(nullptr, &p, static_cast<long>(issuer_cert_der.size())));
  if (!issuer || p != reinterpret_cast<const unsigned char*>(issuer_cert_der.data() + issuer_cert_der.size())) {
    return ossl::crypto_error("decoding issuer certificate");
  }
  if (X509_check_private_key(issuer.get(), issuer_pkey) != 1) {
    ossl::clear_errors();
    return invalid("the issuer key does not match the issuer certificate");
  }

  CrlPtr crl(X509_CRL_new());
  if (!crl || X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) != 1 ||  // RFC 5280 §5.1.2.1: v2
      X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.get())) != 1) {
    return ossl::crypto_error("building CRL");
  }
  ACMEKIT_TRY(TimePtr this_update, make_time(tmpl.this_update));
  ACMEKIT_TRY(TimePtr next_update, make_time(tmpl.next_update));
  if (X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) != 1 ||
      X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) != 1) {
    return ossl::crypto_error("setting CRL times");
  }
  for (const auto& e : tmpl.entries) ACMEKIT_CHECK(add_entry(crl.get(), e));

  ACMEKIT_CHECK(add_authority_key_id(crl.get(), issuer.get()));
  IntegerPtr number(ASN1_INTEGER_new());
  if (!number || ASN1_INTEGER_set_uint64(number.get(), tmpl.number) != 1 ||
      X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return ossl::crypto_error("adding cRLNumber");
  }
  ACMEKIT_CHECK(add_issuing_distribution_point(crl.get(), tmpl.distribution_point));

  if (X509_CRL_sort(crl.get()) != 1) return ossl::crypto_error("sorting CRL entries");
  if (X509_CRL_sign(crl.get(), issuer_pkey, digest_for(issuer_key.algorithm())) <= 0) {
    return ossl::crypto_error("signing CRL");
  }
  unsigned char* der = nullptr;
  int len = i2d_X509_CRL(crl.get(), &der);
  if (len <= 0) return ossl::crypto_error("encoding CRL");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

}  // namespace acmekit::crypto
