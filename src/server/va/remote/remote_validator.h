// One remote validation perspective as a Validator: each check is a POST
// (wire.h) to an `acmekit-ca va` over mutual TLS, with a deadline. An
// answer is the perspective's result; no answer (connection refused, TLS
// refused, timeout, a non-200 status, an unreadable body) is an error of
// kind kUnavailable naming the perspective: it did not corroborate.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/va/validator.h"

namespace acmekit::server::va::remote {

struct RemoteValidatorOptions {
  std::string name;  // the perspective's name in logs and /metrics
  std::string url;   // "https://HOST:PORT": POST URL/validate, URL/caa
  std::string ca_file;  // the MPIC CA (PEM): the only trust anchor for the VA's certificate
  std::string client_cert_pem, client_key_pem;  // the CA's client certificate and key
  std::chrono::milliseconds timeout{30'000};
  std::vector<std::string> caa_identities;  // sent with every CAA check
};

std::unique_ptr<Validator> make_remote_validator(RemoteValidatorOptions options);

}  // namespace acmekit::server::va::remote
