#include "core/crypto/csr.h"

#include <openssl/asn1t.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"
#include "core/crypto/raw_spki.h"

namespace acmekit::crypto {
namespace {

bool looks_like_pem(std::string_view text) {
  auto start = text.find_first_not_of(" \t\r\n");
  return start != std::string_view::npos && text.substr(start).starts_with("-----BEGIN");
}

std::unexpected<Error> csr_error(std::string_view what) {
  return make_error(ErrorKind::kCrypto, "invalid CSR: " + std::string(what) + ": " + ossl::drain_errors());
}

}  // namespace

Result<std::string> make_csr_der(const PrivateKey& key, const std::vector<std::string>& identifiers) {
  EVP_PKEY* pkey = pkey_of(key);
  if (pkey == nullptr) return make_error(ErrorKind::kInvalidArgument, "making CSR: no key");
  if (identifiers.empty()) return make_error(ErrorKind::kInvalidArgument, "making CSR: no identifiers");

  // Drop duplicates (DNS names compare case-insensitively, IPs by bytes).
  std::vector<std::string> unique;
  std::vector<std::string> seen;
  std::string first_dns;
  for (const auto& id : identifiers) {
    std::string ip = parse_ip_address(id);
    std::string norm = ip.empty() ? "d:" + id : "i:" + ip;
    if (ip.empty()) std::ranges::transform(norm, norm.begin(), [](unsigned char c) { return std::tolower(c); });
    if (std::ranges::find(seen, norm) != seen.end()) continue;
    seen.push_back(norm);
    unique.push_back(id);
    if (ip.empty() && first_dns.empty()) first_dns = norm.substr(2);
  }
  ACMEKIT_TRY(ossl::GeneralNamesPtr names, make_general_names(unique));

  ossl::X509ReqPtr req(X509_REQ_new());
  ossl::X509NamePtr subject(X509_NAME_new());
  if (!req || !subject || X509_REQ_set_version(req.get(), 0) != 1) return ossl::crypto_error("making CSR");
  // RFC 5280 Appendix A ub-common-name: a CN longer than 64 is not allowed,
  // so a long first name appears only in the SAN extension.
  if (!first_dns.empty() && first_dns.size() <= 64 &&
      X509_NAME_add_entry_by_NID(subject.get(), NID_commonName, MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(first_dns.data()),
                                 static_cast<int>(first_dns.size()), -1, 0) != 1) {
    return ossl::crypto_error("making CSR subject");
  }
  if (X509_REQ_set_subject_name(req.get(), subject.get()) != 1) return ossl::crypto_error("making CSR");
  // RFC 2986 §4.1 subjectPKInfo (an EC key's written directly: see ossl.h).
  ACMEKIT_TRY(bool written, ossl::set_ec_public_key(X509_REQ_get_X509_PUBKEY(req.get()), pkey));
  if (!written && X509_REQ_set_pubkey(req.get(), pkey) != 1) return ossl::crypto_error("making CSR");
  // RFC 2986 §4.1 attributes: an extensionRequest (RFC 2985 §5.4.2) holding
  // the subjectAltName extension.
  ossl::ExtensionsPtr extensions(sk_X509_EXTENSION_new_null());
  X509_EXTENSION* san = X509V3_EXT_i2d(NID_subject_alt_name, 0, names.get());
  if (!extensions || san == nullptr) {
    X509_EXTENSION_free(san);
    return ossl::crypto_error("making CSR subjectAltName");
  }
  if (sk_X509_EXTENSION_push(extensions.get(), san) <= 0) {
    X509_EXTENSION_free(san);
    return ossl::crypto_error("making CSR subjectAltName");
  }
  if (X509_REQ_add_extensions(req.get(), extensions.get()) != 1) return ossl::crypto_error("making CSR extensions");
  if (X509_REQ_sign(req.get(), pkey, digest_for(key.algorithm())) <= 0) return ossl::crypto_error("signing CSR");

  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return ossl::crypto_error("encoding CSR");
  std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

namespace {

// The names a parsed CSR carries: the subject's CN and the subjectAltName
// of its extensionRequest (RFC 2985 §5.4.2). extensions may be null (none,
// or not readable: no names from them).
Status read_names(X509_NAME* subject, const STACK_OF(X509_EXTENSION)* extensions, CsrInfo& info) {
  info.common_name = common_name(subject);
  if (extensions != nullptr) {
    int critical = 0;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions, NID_subject_alt_name, &critical, nullptr)));
    // critical is -1 if absent, -2 if present more than once (malformed).
    if (!names && critical == -2) return make_error(ErrorKind::kCrypto, "invalid CSR: duplicate subjectAltName");
    SubjectAltNames sans = read_general_names(names.get());
    info.dns_names = std::move(sans.dns_names);
    info.ip_addresses = std::move(sans.ip_addresses);
  }
  return {};
}

// RFC 2986 §4.1 CertificationRequest with its subjectPKInfo kept as
// algorithm and bits (raw_spki.h): X509_REQ decodes the key while it
// parses, about 190 µs a CSR, most of what finalize spent parsing. An EC
// key with a named curve (what ACME clients send) is made from curve and
// point; anything else goes X509_REQ's way (parse_csr_with_x509_req), as
// does any CSR this way cannot read, so the errors stay X509_REQ's.
struct RawReqInfo {
  ASN1_ENCODING enc;  // the DER as received: what the signature covers
  ASN1_INTEGER* version;
  X509_NAME* subject;
  RawSpki* spki;
  STACK_OF(X509_ATTRIBUTE)* attributes;
};
struct RawReq {
  RawReqInfo* info;
  X509_ALGOR* signature_algorithm;
  ASN1_BIT_STRING* signature;
};

// The same templates as OpenSSL's X509_REQ_INFO and X509_REQ
// (crypto/x509/x_req.c), with RawSpki for the key.
ASN1_SEQUENCE_enc(RawReqInfo, enc, nullptr) = {
    ASN1_SIMPLE(RawReqInfo, version, ASN1_INTEGER),
    ASN1_SIMPLE(RawReqInfo, subject, X509_NAME),
    ASN1_SIMPLE(RawReqInfo, spki, RawSpki),
    // Not optional in RFC 2986, but OpenSSL reads requests without it too.
    ASN1_IMP_SET_OF_OPT(RawReqInfo, attributes, X509_ATTRIBUTE, 0),
} static_ASN1_SEQUENCE_END_ref(RawReqInfo, RawReqInfo)

ASN1_SEQUENCE(RawReq) = {
    ASN1_SIMPLE(RawReq, info, RawReqInfo),
    ASN1_SIMPLE(RawReq, signature_algorithm, X509_ALGOR),
    ASN1_SIMPLE(RawReq, signature, ASN1_BIT_STRING),
} static_ASN1_SEQUENCE_END(RawReq)

struct RawReqFree {
  void operator()(RawReq* r) const { ASN1_item_free(reinterpret_cast<ASN1_VALUE*>(r), ASN1_ITEM_rptr(RawReq)); }
};
using RawReqPtr = std::unique_ptr<RawReq, RawReqFree>;

// X509_REQ_get_extensions (crypto/x509/x509_req.c) on the raw request: the
// first extensionRequest (or Microsoft's) attribute's extensions; none is
// an empty list, one that is not a SEQUENCE or does not parse is null.
ossl::ExtensionsPtr requested_extensions(const STACK_OF(X509_ATTRIBUTE)* attributes) {
  ASN1_TYPE* value = nullptr;
  for (int nid : {NID_ext_req, NID_ms_ext_req}) {
    const int index = X509at_get_attr_by_NID(attributes, nid, -1);
    if (index < 0) continue;
    value = X509_ATTRIBUTE_get0_type(X509at_get_attr(attributes, index), 0);
    break;
  }
  if (value == nullptr) return ossl::ExtensionsPtr(sk_X509_EXTENSION_new_null());
  if (value->type != V_ASN1_SEQUENCE) return nullptr;
  const unsigned char* p = value->value.sequence->data;
  return ossl::ExtensionsPtr(reinterpret_cast<STACK_OF(X509_EXTENSION)*>(
      ASN1_item_d2i(nullptr, &p, value->value.sequence->length, ASN1_ITEM_rptr(X509_EXTENSIONS))));
}

// The CSR read the fast way; nullopt: take X509_REQ's way.
std::optional<Result<CsrInfo>> parse_named_curve_csr(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  RawReqPtr req(reinterpret_cast<RawReq*>(
      ASN1_item_d2i(nullptr, &p, static_cast<long>(der.size()), ASN1_ITEM_rptr(RawReq))));
  if (!req || p != reinterpret_cast<const unsigned char*>(der.data() + der.size())) {
    ossl::clear_errors();
    return std::nullopt;
  }
  ossl::PkeyPtr key = named_curve_key(*req->info->spki);
  if (!key) return std::nullopt;
  // RFC 2986 §3: the request is signed with the key it carries; the
  // signature covers the CertificationRequestInfo as received.
  if (ASN1_item_verify(ASN1_ITEM_rptr(RawReqInfo), req->signature_algorithm, req->signature, req->info,
                       key.get()) != 1) {
    return make_error(ErrorKind::kCrypto, "invalid CSR: signature does not verify: " + ossl::drain_errors());
  }
  auto public_key = wrap_public_key(std::move(key));
  if (!public_key) return std::unexpected(std::move(public_key).error().with_context("invalid CSR"));
  CsrInfo info;
  info.public_key = *std::move(public_key);
  ossl::ExtensionsPtr extensions = requested_extensions(req->info->attributes);
  if (auto s = read_names(req->info->subject, extensions.get(), info); !s) return std::unexpected(s.error());
  ossl::clear_errors();
  unsigned char* out = nullptr;
  const int len = ASN1_item_i2d(reinterpret_cast<ASN1_VALUE*>(req.get()), &out, ASN1_ITEM_rptr(RawReq));
  if (len <= 0) return csr_error("encoding DER");
  info.der.assign(reinterpret_cast<char*>(out), static_cast<std::size_t>(len));
  OPENSSL_free(out);
  return info;
}

}  // namespace

Result<CsrInfo> parse_csr_with_x509_req(std::string_view pem_or_der) {
  ossl::X509ReqPtr req;
  if (looks_like_pem(pem_or_der)) {
    // Accepts "CERTIFICATE REQUEST" and the older "NEW CERTIFICATE REQUEST".
    ossl::BioPtr bio = ossl::mem_bio(pem_or_der);
    req.reset(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
    if (!req) return csr_error("reading PEM");
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(pem_or_der.data());
    req.reset(d2i_X509_REQ(nullptr, &p, static_cast<long>(pem_or_der.size())));
    if (!req) return csr_error("decoding DER");
    if (p != reinterpret_cast<const unsigned char*>(pem_or_der.data() + pem_or_der.size())) {
      return make_error(ErrorKind::kCrypto, "invalid CSR: trailing data after the DER");
    }
  }

  EVP_PKEY* pkey = X509_REQ_get0_pubkey(req.get());
  if (pkey == nullptr) return csr_error("reading the public key");
  // RFC 2986 §3: the request is signed with the key it carries.
  if (X509_REQ_verify(req.get(), pkey) != 1) {
    return make_error(ErrorKind::kCrypto, "invalid CSR: signature does not verify: " + ossl::drain_errors());
  }
  EVP_PKEY_up_ref(pkey);
  auto public_key = wrap_public_key(ossl::PkeyPtr(pkey));
  if (!public_key) return std::unexpected(std::move(public_key).error().with_context("invalid CSR"));

  CsrInfo info;
  info.public_key = *std::move(public_key);
  ossl::ExtensionsPtr extensions(X509_REQ_get_extensions(req.get()));
  ACMEKIT_CHECK(read_names(X509_REQ_get_subject_name(req.get()), extensions.get(), info));
  ossl::clear_errors();

  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return csr_error("encoding DER");
  info.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return info;
}

Result<CsrInfo> parse_csr(std::string_view pem_or_der) {
  if (!looks_like_pem(pem_or_der)) {
    if (auto fast = parse_named_curve_csr(pem_or_der)) return *std::move(fast);
  }
  return parse_csr_with_x509_req(pem_or_der);
}

}  // namespace acmekit::crypto
