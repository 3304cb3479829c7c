#include "core/crypto/csr.h"

#include <openssl/pem.h>

#include <algorithm>

#include "core/crypto/general_names.h"
#include "core/crypto/key_impl.h"

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

Result<CsrInfo> parse_csr(std::string_view pem_or_der) {
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
  info.common_name = common_name(X509_REQ_get_subject_name(req.get()));
  if (ossl::ExtensionsPtr extensions{X509_REQ_get_extensions(req.get())}) {
    int critical = 0;
    ossl::GeneralNamesPtr names(static_cast<GENERAL_NAMES*>(
        X509V3_get_d2i(extensions.get(), NID_subject_alt_name, &critical, nullptr)));
    // critical is -1 if absent, -2 if present more than once (malformed).
    if (!names && critical == -2) return make_error(ErrorKind::kCrypto, "invalid CSR: duplicate subjectAltName");
    SubjectAltNames sans = read_general_names(names.get());
    info.dns_names = std::move(sans.dns_names);
    info.ip_addresses = std::move(sans.ip_addresses);
  }
  ossl::clear_errors();

  unsigned char* der = nullptr;
  int len = i2d_X509_REQ(req.get(), &der);
  if (len <= 0) return csr_error("encoding DER");
  info.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return info;
}

}  // namespace acmekit::crypto
