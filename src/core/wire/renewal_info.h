// ACME Renewal Information (RFC 9773) on the wire: the certificate
// identifier (§4.1) that names a certificate in renewalInfo URLs and in
// newOrder's "replaces" (§5), and the RenewalInfo object (§4.2).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/crypto/certificate.h"
#include "core/error.h"

namespace acmekit::wire {

// RFC 9773 §4.1: base64url(AKI keyIdentifier) "." base64url(serial DER
// content octets), both without padding. `serial_der` keeps the leading 0x00
// of a positive serial whose high bit is set.
std::string ari_certificate_id(std::string_view authority_key_id, std::string_view serial_der);

// The identifier of a parsed certificate; kInvalidArgument when it has no
// authorityKeyIdentifier keyIdentifier (RFC 9773 §2 assumes one).
Result<std::string> ari_certificate_id(const crypto::CertificateInfo& cert);

// The two parts of an identifier, decoded. kInvalidArgument when it is not
// two non-empty base64url parts joined by one ".".
struct AriCertificateId {
  std::string authority_key_id;
  std::string serial_der;
};
Result<AriCertificateId> parse_ari_certificate_id(std::string_view id);

// RFC 9773 §4.2: the suggested window, and why.
struct RenewalInfo {
  std::chrono::system_clock::time_point window_start, window_end;
  std::string explanation_url;  // empty when the CA gave none
};

// A RenewalInfo object. kProtocol when suggestedWindow or its RFC 3339
// start/end are missing or malformed, and when end <= start: §4.2 makes such
// an object invalid, to be treated as no answer at all.
Result<RenewalInfo> parse_renewal_info(const nlohmann::json& j);

}  // namespace acmekit::wire
