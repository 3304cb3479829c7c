#include "core/http/server_messages.h"

#include <utility>

namespace acmekit::http {
namespace {

namespace bhttp = boost::beast::http;

std::string str(boost::beast::string_view s) { return std::string(s.data(), s.size()); }

}  // namespace

ServerRequest to_server_request(BeastRequest&& request, std::string remote) {
  ServerRequest out;
  out.method = str(request.method_string());
  out.target = str(request.target());
  for (const auto& field : request) out.headers.add(str(field.name_string()), str(field.value()));
  out.body = std::move(request.body());
  out.remote = std::move(remote);
  return out;
}

BeastResponse to_beast_response(acmekit::http::Response response, unsigned version, bool head,
                                bool keep_alive) {
  BeastResponse out;
  out.result(static_cast<unsigned>(response.status));
  out.version(version);
  for (const auto& [name, value] : response.headers.items) {
    // RFC 9112 §6, §9.6: message framing and connection management are ours.
    if (name == "content-length" || name == "transfer-encoding" || name == "connection") continue;
    out.insert(name, value);
  }
  out.keep_alive(keep_alive);
  // RFC 9110 §8.6: no Content-Length in a 204, nor a body in a 204 or 304.
  if (response.status != 204 && response.status != 304) {
    out.content_length(response.body.size());
    if (!head) out.body() = std::move(response.body);
  }
  return out;
}

}  // namespace acmekit::http
