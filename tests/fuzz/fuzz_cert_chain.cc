// Certificate chains (application/pem-certificate-chain, RFC 8555 §7.4.2)
// and single DER certificates. Each certificate of a chain parses alone from
// its DER to the same fields; ARI identifiers (RFC 9773 §4.1) decode back to
// the AKI and serial they were made from. parse_certificate_der's own
// reading of EC certificates and OpenSSL's X509 agree on every input.
#include "core/crypto/certificate.h"
#include "core/wire/renewal_info.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit;

void check(const crypto::CertificateInfo& c) {
  FUZZ_CHECK(!c.der.empty() && !c.serial_hex.empty());
  auto again = crypto::parse_certificate_der(c.der);
  FUZZ_CHECK(again.has_value());
  FUZZ_CHECK(again->serial_hex == c.serial_hex && again->serial_der == c.serial_der);
  FUZZ_CHECK(again->dns_names == c.dns_names && again->ip_addresses == c.ip_addresses);
  FUZZ_CHECK(again->not_before == c.not_before && again->not_after == c.not_after);
  FUZZ_CHECK(again->subject_cn == c.subject_cn && again->issuer_cn == c.issuer_cn);
  FUZZ_CHECK(again->authority_key_id == c.authority_key_id);
  if (auto id = wire::ari_certificate_id(c)) {
    auto parts = wire::parse_ari_certificate_id(*id);
    FUZZ_CHECK(parts && parts->authority_key_id == c.authority_key_id && parts->serial_der == c.serial_der);
  } else {
    FUZZ_CHECK(c.authority_key_id.empty());
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = fuzz::as_view(data, size);
  if (auto chain = crypto::parse_pem_chain(in)) {
    FUZZ_CHECK(!chain->empty());
    for (const auto& c : *chain) check(c);
  } else {
    FUZZ_CHECK(chain.error().kind == ErrorKind::kCrypto);
  }
  // Both refuse the input, or both read the same fields, key and DER.
  auto cert = crypto::parse_certificate_der(in);
  auto reference = crypto::parse_certificate_der_with_x509(in);
  FUZZ_CHECK(cert.has_value() == reference.has_value());
  if (cert && reference) {
    FUZZ_CHECK(cert->der == reference->der && cert->pem == reference->pem);
    FUZZ_CHECK(cert->serial_hex == reference->serial_hex && cert->serial_der == reference->serial_der);
    FUZZ_CHECK(cert->dns_names == reference->dns_names && cert->ip_addresses == reference->ip_addresses);
    FUZZ_CHECK(cert->not_before == reference->not_before && cert->not_after == reference->not_after);
    FUZZ_CHECK(cert->subject_cn == reference->subject_cn && cert->issuer_cn == reference->issuer_cn);
    FUZZ_CHECK(cert->authority_key_id == reference->authority_key_id);
    FUZZ_CHECK(cert->public_key == reference->public_key);
  }
  if (cert) {
    FUZZ_CHECK(cert->der == in);
    check(*cert);
  }
  return 0;
}
