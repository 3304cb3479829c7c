#include "server/va/remote/va_service.h"

#include <spdlog/spdlog.h>

#include "core/wire/enums.h"
#include "server/va/caa.h"
#include "server/va/remote/wire.h"

namespace acmekit::server::va::remote {
namespace {

http::Response json_response(int status, std::string body) {
  http::Response r{.status = status};
  r.headers.add("content-type", "application/json");
  r.body = std::move(body);
  return r;
}

http::Response text_response(int status, std::string text) {
  http::Response r{.status = status};
  r.headers.add("content-type", "text/plain; charset=utf-8");
  r.body = std::move(text) + "\n";
  return r;
}

std::string describe(const Status& s) { return s ? std::string("valid") : "invalid: " + s.error().message(); }

}  // namespace

http::Response VaService::handle(const http::ServerRequest& request) {
  const std::string path = request.target.substr(0, request.target.find('?'));
  if (path == "/health") {
    if (request.method != "GET" && request.method != "HEAD") return text_response(405, "use GET");
    return json_response(200, R"({"status":"ok"})");
  }
  if (path != "/validate" && path != "/caa") return text_response(404, "not found");
  if (request.method != "POST") return text_response(405, "use POST");
  if (path == "/validate") {
    auto req = decode_validation_request(request.body);
    if (!req) return text_response(400, req.error().message());
    Status result = validator_.validate(*req);
    spdlog::info("va: {} validation of {}:{} for {}: {}", wire::to_string(req->challenge_type), req->identifier.type,
                 req->identifier.value, request.remote, describe(result));
    return json_response(200, encode_result(result));
  }
  auto check = decode_caa_request(request.body);
  if (!check) return text_response(400, check.error().message());
  // RFC 8659 §3 from this perspective's DNS view, for the CA's identities.
  Status result = check->identities.empty() ? Status{} : va::check_caa(check->request, check->identities, dns_);
  spdlog::info("va: CAA check of {}{} for {}: {}", check->request.wildcard ? "*." : "", check->request.name,
               request.remote, describe(result));
  return json_response(200, encode_result(result));
}

}  // namespace acmekit::server::va::remote
