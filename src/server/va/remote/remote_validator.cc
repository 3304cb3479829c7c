#include "server/va/remote/remote_validator.h"

#include <fmt/format.h>

#include "core/http/curl_client.h"
#include "server/va/remote/wire.h"

namespace acmekit::server::va::remote {
namespace {

class RemoteValidator : public Validator {
 public:
  explicit RemoteValidator(RemoteValidatorOptions options) : options_(std::move(options)) {
    while (options_.url.ends_with('/')) options_.url.pop_back();
  }

  Status validate(const ValidationRequest& request) override {
    return post("/validate", encode_validation_request(request));
  }

  Status check_caa(const CaaRequest& request) override {
    return post("/caa", encode_caa_request(request, options_.caa_identities));
  }

 private:
  Status post(std::string_view path, std::string body) const {
    // A client per check: checks of many authorizations run at once, and
    // one CurlClient serializes its requests.
    http::CurlClient client({.ca_bundle = options_.ca_file,
                             .ca_bundle_only = true,
                             .client_cert_pem = options_.client_cert_pem,
                             .client_key_pem = options_.client_key_pem,
                             .connect_timeout = options_.timeout,
                             .total_timeout = options_.timeout});
    http::Request req{.method = "POST", .url = options_.url + std::string(path), .body = std::move(body)};
    req.headers.add("content-type", "application/json");
    auto response = client.send(req);
    if (!response) {
      return make_error(ErrorKind::kUnavailable,
                        fmt::format("perspective {} did not answer: {}", options_.name, response.error().message()));
    }
    if (response->status != 200) {
      std::string text = response->body.substr(0, 200);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      return make_error(ErrorKind::kUnavailable,
                        fmt::format("perspective {} answered HTTP {}: {}", options_.name, response->status, text));
    }
    auto result = decode_result(response->body);
    if (!result) {
      return make_error(ErrorKind::kUnavailable,
                        fmt::format("perspective {}: {}", options_.name, result.error().message()));
    }
    return *result;
  }

  RemoteValidatorOptions options_;
};

}  // namespace

std::unique_ptr<Validator> make_remote_validator(RemoteValidatorOptions options) {
  return std::make_unique<RemoteValidator>(std::move(options));
}

}  // namespace acmekit::server::va::remote
