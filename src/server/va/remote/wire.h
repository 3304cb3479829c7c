// The wire format between acmekit-ca and a remote validation perspective
// (`acmekit-ca va`, CA/B Forum Baseline Requirements §3.2.2.9): JSON bodies
// of POST /validate (a ValidationRequest), POST /caa (a CaaRequest plus the
// CA's CAA identities) and their answer, {"status":"valid"} or
// {"status":"invalid","problem":{RFC 8555 §6.7 problem}}.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/va/validator.h"

namespace acmekit::server::va::remote {

std::string encode_validation_request(const ValidationRequest& request);
// kInvalidArgument naming the member that is missing or wrong.
Result<ValidationRequest> decode_validation_request(std::string_view body);

// identities: the issuer domains (RFC 8659 §4.2) of the CA asking.
std::string encode_caa_request(const CaaRequest& request, const std::vector<std::string>& identities);
struct CaaCheck {
  CaaRequest request;
  std::vector<std::string> identities;
};
Result<CaaCheck> decode_caa_request(std::string_view body);

// A perspective's result. An error that is not an ACME problem travels as a
// "connection" problem (what the RA records for it too).
std::string encode_result(const Status& result);
// The Status a perspective answered: {} or its problem (kind kAcme); an
// unreadable body is kProtocol (the perspective counts as not answering).
Result<Status> decode_result(std::string_view body);

}  // namespace acmekit::server::va::remote
