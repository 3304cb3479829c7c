// AWS Signature Version 4 (docs.aws.amazon.com/IAM/latest/UserGuide/
// reference_sigv-create-signed-request.html) for the AWS APIs acmekit calls
// (Route 53). Header signing only: the canonical request (method, the URI
// path with each segment percent-encoded, the sorted query, the sorted
// lower-case headers, the hex SHA-256 of the body), the string to sign over
// the scope DATE/REGION/SERVICE/aws4_request, and the key derived by HMAC
// chain from "AWS4" + secret. Checked against AWS's published test suite.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/http/client.h"

namespace acmekit::client::dns_api {

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // temporary credentials (STS); empty for long-term keys
};

// "20150830T123600Z": the X-Amz-Date form of t (UTC).
std::string aws_amz_date(std::chrono::system_clock::time_point t);

// Signs req in place for REGION/SERVICE at amz_date: adds X-Amz-Date,
// X-Amz-Security-Token (with a session token) and Authorization. Signed:
// Host (from the URL, with a non-default port as curl sends it), every
// header already on req, and those two. kInvalidArgument for a URL without
// scheme and host.
Status aws_sigv4_sign(http::Request& req, const AwsCredentials& credentials, std::string_view region,
                      std::string_view service, std::string_view amz_date);

}  // namespace acmekit::client::dns_api
