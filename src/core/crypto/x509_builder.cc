#include "core/crypto/x509_builder.h"

#include <openssl/pem.h>

#include <ctime>
#include <utility>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"

namespace acmekit::crypto {
namespace {

using BasicConstraintsPtr = std::unique_ptr<BASIC_CONSTRAINTS, ossl::Deleter<BASIC_CONSTRAINTS_free>>;
using BitStringPtr = std::unique_ptr<ASN1_BIT_STRING, ossl::Deleter<ASN1_BIT_STRING_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, ossl::Deleter<ASN1_OCTET_STRING_free>>;
using ExtKeyUsagePtr = std::unique_ptr<EXTENDED_KEY_USAGE, ossl::Deleter<EXTENDED_KEY_USAGE_free>>;
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, ossl::Deleter<X509_EXTENSION_free>>;

std::unexpected<Error> invalid(std::string_view what) {
  return make_error(ErrorKind::kInvalidArgument, "certificate template: " + std::string(what));
}

Result<ossl::X509Ptr> decode(std::string_view der, std::string_view what) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    return ossl::crypto_error("decoding " + std::string(what));
  }
  return cert;
}

Status check_template(const CertificateTemplate& t) {
  if (t.common_name.size() > 64) return invalid("commonName longer than 64 characters");
  if (t.serial.empty() || t.serial.size() > 20) return invalid("serial must be 1..20 bytes");  // RFC 5280 §4.1.2.2
  if (t.serial.find_first_not_of('\0') == std::string::npos) return invalid("serial is zero");
  if (t.not_after < t.not_before) return invalid("notAfter before notBefore");
  if (!t.is_ca && t.path_length >= 0) return invalid("pathLenConstraint on a non-CA certificate");
  for (const auto& dns : t.dns_names) {
    if (!parse_ip_address(dns).empty()) return invalid("dns name \"" + dns + "\" is an IP address");
  }
  for (const auto& ip : t.ip_addresses) {
    if (parse_ip_address(ip).empty()) return invalid("\"" + ip + "\" is not an IP address");
  }
  if (t.acme_identifier && t.acme_identifier->size() != 32) return invalid("acmeIdentifier must be 32 bytes");
  return {};
}

Status add_entry(X509_NAME* name, int nid, const std::string& value) {
  if (value.empty()) return {};
  if (X509_NAME_add_entry_by_NID(name, nid, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.data()),
                                 static_cast<int>(value.size()), -1, 0) != 1) {
    return ossl::crypto_error("building certificate subject");
  }
  return {};
}

Status set_time(ASN1_TIME* field, std::chrono::system_clock::time_point t) {
  // RFC 5280 §4.1.2.5: ASN1_TIME_set picks UTCTime through 2049 and
  // GeneralizedTime from 2050 on.
  if (ASN1_TIME_set(field, std::chrono::system_clock::to_time_t(t)) == nullptr) {
    return ossl::crypto_error("setting certificate validity");
  }
  return {};
}

Status add_ext(X509* cert, int nid, void* value, bool critical, std::string_view what) {
  if (X509_add1_ext_i2d(cert, nid, value, critical ? 1 : 0, X509V3_ADD_DEFAULT) != 1) {
    return ossl::crypto_error("adding " + std::string(what));
  }
  return {};
}

// RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value.
Result<OctetStringPtr> octet_string(std::string_view bytes) {
  OctetStringPtr s(ASN1_OCTET_STRING_new());
  if (!s || ASN1_OCTET_STRING_set(s.get(), reinterpret_cast<const unsigned char*>(bytes.data()),
                                  static_cast<int>(bytes.size())) != 1) {
    return ossl::crypto_error("building OCTET STRING");
  }
  return s;
}

Status add_constraints_and_usage(X509* cert, const CertificateTemplate& t) {
  // RFC 5280 §4.2.1.9: critical in CA certificates; we mark it critical in
  // leaves too, as the CA/Browser Forum baseline requirements allow.
  BasicConstraintsPtr bc(BASIC_CONSTRAINTS_new());
  if (!bc) return ossl::crypto_error("building basicConstraints");
  bc->ca = t.is_ca ? 0xFF : 0;
  if (t.path_length >= 0) {
    bc->pathlen = ASN1_INTEGER_new();
    if (bc->pathlen == nullptr || ASN1_INTEGER_set(bc->pathlen, t.path_length) != 1) {
      return ossl::crypto_error("building basicConstraints");
    }
  }
  ACMEKIT_CHECK(add_ext(cert, NID_basic_constraints, bc.get(), true, "basicConstraints"));

  // RFC 5280 §4.2.1.3: keyUsage bits 0 digitalSignature, 2 keyEncipherment,
  // 5 keyCertSign, 6 cRLSign; conforming CAs SHOULD mark it critical.
  const std::pair<bool, int> bits[] = {{t.key_usage.digital_signature, 0},
                                       {t.key_usage.key_encipherment, 2},
                                       {t.key_usage.key_cert_sign, 5},
                                       {t.key_usage.crl_sign, 6}};
  BitStringPtr ku(ASN1_BIT_STRING_new());
  if (!ku) return ossl::crypto_error("building keyUsage");
  bool any = false;
  for (auto [on, bit] : bits) {
    if (!on) continue;
    any = true;
    if (ASN1_BIT_STRING_set_bit(ku.get(), bit, 1) != 1) return ossl::crypto_error("building keyUsage");
  }
  if (any) ACMEKIT_CHECK(add_ext(cert, NID_key_usage, ku.get(), true, "keyUsage"));

  if (t.server_auth || t.client_auth) {
    // RFC 5280 §4.2.1.12 id-kp-serverAuth, id-kp-clientAuth.
    ExtKeyUsagePtr eku(sk_ASN1_OBJECT_new_null());
    if (!eku) return ossl::crypto_error("building extKeyUsage");
    for (auto [on, nid] : {std::pair{t.server_auth, NID_server_auth}, std::pair{t.client_auth, NID_client_auth}}) {
      if (on && sk_ASN1_OBJECT_push(eku.get(), OBJ_nid2obj(nid)) <= 0) {
        return ossl::crypto_error("building extKeyUsage");
      }
    }
    ACMEKIT_CHECK(add_ext(cert, NID_ext_key_usage, eku.get(), false, "extKeyUsage"));
  }
  return {};
}

// issuer_key_id empty: self-signed, the certificate's own.
Status add_key_identifiers(X509* cert, std::string_view issuer_key_id) {
  ACMEKIT_TRY(std::string ski, ossl::key_identifier(cert));
  ACMEKIT_TRY(OctetStringPtr ski_value, octet_string(ski));
  ACMEKIT_CHECK(add_ext(cert, NID_subject_key_identifier, ski_value.get(), false, "subjectKeyIdentifier"));

  // RFC 5280 §4.2.1.1: the issuer's subjectKeyIdentifier (load_issuer takes
  // it); a self-signed certificate's own.
  ACMEKIT_TRY(ossl::AuthorityKeyIdPtr akid, ossl::authority_key_id(issuer_key_id.empty() ? ski : issuer_key_id));
  return add_ext(cert, NID_authority_key_identifier, akid.get(), false, "authorityKeyIdentifier");
}

Status add_subject_alt_names(X509* cert, const CertificateTemplate& t) {
  if (t.dns_names.empty() && t.ip_addresses.empty()) return {};
  std::vector<std::string> names = t.dns_names;
  names.insert(names.end(), t.ip_addresses.begin(), t.ip_addresses.end());
  ACMEKIT_TRY(ossl::GeneralNamesPtr general_names, make_general_names(names));
  // RFC 5280 §4.2.1.6: critical when the subject is an empty sequence.
  bool critical = t.common_name.empty() && t.organization.empty();
  return add_ext(cert, NID_subject_alt_name, general_names.get(), critical, "subjectAltName");
}

// RFC 8737 §3: id-pe-acmeIdentifier (1.3.6.1.5.5.7.1.31), critical, whose
// extnValue is the DER of Authorization ::= OCTET STRING (SIZE (32)).
Status add_acme_identifier(X509* cert, const std::string& digest) {
  ObjectPtr oid(OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1));
  std::string der = std::string("\x04\x20", 2) + digest;
  ACMEKIT_TRY(OctetStringPtr value, octet_string(der));
  if (!oid) return ossl::crypto_error("building acmeIdentifier");
  ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 1, value.get()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) return ossl::crypto_error("adding acmeIdentifier");
  return {};
}

// RFC 5280 §4.2.1.13: one DistributionPoint with only a fullName (no
// reasons, no cRLIssuer: the issuer of the certificate signs the CRL).
Status add_crl_distribution_point(X509* cert, std::string_view uri) {
  using DistPointsPtr = std::unique_ptr<CRL_DIST_POINTS, ossl::Deleter<CRL_DIST_POINTS_free>>;
  ACMEKIT_TRY(DistPointNamePtr name, make_distribution_point_name(uri));
  DistPointsPtr points(CRL_DIST_POINTS_new());
  DIST_POINT* point = DIST_POINT_new();
  if (!points || point == nullptr) {
    DIST_POINT_free(point);
    return ossl::crypto_error("building cRLDistributionPoints");
  }
  point->distpoint = name.release();
  if (sk_DIST_POINT_push(points.get(), point) <= 0) {
    DIST_POINT_free(point);
    return ossl::crypto_error("building cRLDistributionPoints");
  }
  return add_ext(cert, NID_crl_distribution_points, points.get(), false, "cRLDistributionPoints");
}

}  // namespace

struct CertificateSigner::Issuer {
  ossl::X509Ptr cert;  // null: self-signed
  std::string key_id;  // its subjectKeyIdentifier; empty when self-signed
};

namespace {

// RFC 5280 §4.1.2.7: the subject's SubjectPublicKeyInfo (an EC key's
// written directly, 7 % of the CA's CPU under load through X509_set_pubkey).
Status set_subject_public_key(X509* cert, EVP_PKEY* pkey) {
  ACMEKIT_TRY(bool written, ossl::set_ec_public_key(X509_get_X509_PUBKEY(cert), pkey));
  if (!written && X509_set_pubkey(cert, pkey) != 1) return ossl::crypto_error("setting the subject public key");
  return {};
}

// The one signing path: tmpl for subject, signed by issuer_key, issued by
// issuer (its certificate already checked against issuer_key).
Result<ossl::X509Ptr> build_and_sign(const CertificateTemplate& tmpl, const PublicKey& subject,
                                     const PrivateKey& issuer_key, const CertificateSigner::Issuer& issuer) {
  EVP_PKEY* subject_pkey = pkey_of(subject);
  EVP_PKEY* issuer_pkey = pkey_of(issuer_key);
  if (subject_pkey == nullptr || issuer_pkey == nullptr) return invalid("missing subject or issuer key");
  ACMEKIT_CHECK(check_template(tmpl));

  ossl::X509Ptr cert(X509_new());
  ossl::X509NamePtr name(X509_NAME_new());
  if (!cert || !name || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return ossl::crypto_error("building certificate");
  }
  // RFC 5280 §4.1.2.2: a positive INTEGER of at most 20 octets of magnitude.
  ossl::BnPtr serial(BN_bin2bn(reinterpret_cast<const unsigned char*>(tmpl.serial.data()),
                               static_cast<int>(tmpl.serial.size()), nullptr));
  if (!serial || BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) == nullptr) {
    return ossl::crypto_error("setting serial number");
  }
  ACMEKIT_CHECK(add_entry(name.get(), NID_organizationName, tmpl.organization));
  ACMEKIT_CHECK(add_entry(name.get(), NID_commonName, tmpl.common_name));
  const X509_NAME* issuer_name = issuer.cert ? X509_get_subject_name(issuer.cert.get()) : name.get();
  if (X509_set_subject_name(cert.get(), name.get()) != 1 || X509_set_issuer_name(cert.get(), issuer_name) != 1) {
    return ossl::crypto_error("building certificate");
  }
  ACMEKIT_CHECK(set_subject_public_key(cert.get(), subject_pkey));
  ACMEKIT_CHECK(set_time(X509_getm_notBefore(cert.get()), tmpl.not_before));
  ACMEKIT_CHECK(set_time(X509_getm_notAfter(cert.get()), tmpl.not_after));

  ACMEKIT_CHECK(add_constraints_and_usage(cert.get(), tmpl));
  ACMEKIT_CHECK(add_key_identifiers(cert.get(), issuer.key_id));
  ACMEKIT_CHECK(add_subject_alt_names(cert.get(), tmpl));
  if (tmpl.acme_identifier) ACMEKIT_CHECK(add_acme_identifier(cert.get(), *tmpl.acme_identifier));
  if (!tmpl.crl_distribution_point.empty()) {
    ACMEKIT_CHECK(add_crl_distribution_point(cert.get(), tmpl.crl_distribution_point));
  }

  if (X509_sign(cert.get(), issuer_pkey, digest_for(issuer_key.algorithm())) <= 0) {
    return ossl::crypto_error("signing certificate");
  }
  return cert;
}

Result<std::string> to_der(X509* cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(cert, &der);
  if (len <= 0) return ossl::crypto_error("encoding certificate");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

Result<std::string> to_pem(X509* cert) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return ossl::crypto_error("encoding PEM");
  return ossl::bio_contents(bio.get());
}

Result<CertificateSigner::Issuer> load_issuer(const PrivateKey& issuer_key, std::string_view issuer_cert_der) {
  CertificateSigner::Issuer issuer;
  ACMEKIT_TRY(issuer.cert, decode(issuer_cert_der, "issuer certificate"));
  EVP_PKEY* issuer_pkey = pkey_of(issuer_key);
  if (issuer_pkey == nullptr) return invalid("missing subject or issuer key");
  if (X509_check_private_key(issuer.cert.get(), issuer_pkey) != 1) {
    ossl::clear_errors();
    return invalid("the issuer key does not match the issuer certificate");
  }
  ACMEKIT_TRY(issuer.key_id, ossl::subject_key_id_of(issuer.cert.get()));
  return issuer;
}

}  // namespace

Result<std::string> sign_certificate(const CertificateTemplate& tmpl, const PublicKey& subject,
                                     const PrivateKey& issuer_key, std::string_view issuer_cert_der) {
  CertificateSigner::Issuer issuer;
  if (issuer_cert_der.empty()) {
    if (pkey_of(subject) == nullptr || pkey_of(issuer_key) == nullptr) return invalid("missing subject or issuer key");
    if (!(subject == issuer_key.public_key())) return invalid("self-signed, but the subject key is not the issuer's");
  } else {
    ACMEKIT_TRY(issuer, load_issuer(issuer_key, issuer_cert_der));
  }
  ACMEKIT_TRY(ossl::X509Ptr cert, build_and_sign(tmpl, subject, issuer_key, issuer));
  return to_der(cert.get());
}

Result<CertificateSigner> CertificateSigner::create(const PrivateKey& issuer_key, std::string_view issuer_cert_der) {
  if (issuer_cert_der.empty()) return invalid("a signer needs its issuer certificate");
  ACMEKIT_TRY(Issuer issuer, load_issuer(issuer_key, issuer_cert_der));
  CertificateSigner signer;
  signer.key_ = issuer_key;
  signer.issuer_ = std::make_shared<const Issuer>(std::move(issuer));
  return signer;
}

Result<SignedCertificate> CertificateSigner::sign(const CertificateTemplate& tmpl, const PublicKey& subject) const {
  if (!issuer_) return invalid("an empty signer");
  ACMEKIT_TRY(ossl::X509Ptr cert, build_and_sign(tmpl, subject, key_, *issuer_));
  SignedCertificate out;
  ACMEKIT_TRY(out.der, to_der(cert.get()));
  ACMEKIT_TRY(out.pem, to_pem(cert.get()));
  return out;
}

Result<std::string> der_to_pem(std::string_view der) {
  ACMEKIT_TRY(ossl::X509Ptr cert, decode(der, "certificate"));
  return to_pem(cert.get());
}

Status verify_issued_by(std::string_view cert_der, std::string_view issuer_der) {
  ACMEKIT_TRY(ossl::X509Ptr cert, decode(cert_der, "certificate"));
  ACMEKIT_TRY(ossl::X509Ptr issuer, decode(issuer_der, "issuer certificate"));
  // Issuer name = subject name, key identifiers and the issuer's keyUsage.
  if (int rc = X509_check_issued(issuer.get(), cert.get()); rc != X509_V_OK) {
    return make_error(ErrorKind::kCrypto,
                      std::string("certificate was not issued by this issuer: ") + X509_verify_cert_error_string(rc));
  }
  if (X509_verify(cert.get(), X509_get0_pubkey(issuer.get())) != 1) {
    return ossl::crypto_error("certificate signature does not verify with the issuer key");
  }
  return {};
}

}  // namespace acmekit::crypto
