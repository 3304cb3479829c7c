// Conversions between Beast messages and the listener's ServerRequest /
// acmekit::http::Response.
#pragma once

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/http/client.h"
#include "core/http/server.h"

namespace acmekit::http {

using BeastRequest = boost::beast::http::request<boost::beast::http::string_body>;
using BeastResponse = boost::beast::http::response<boost::beast::http::string_body>;

// Header names lower-cased; the body is moved out of `request`.
ServerRequest to_server_request(BeastRequest&& request, std::string remote);

// The wire response for a handler's answer. The listener owns the framing:
// the handler's Content-Length, Transfer-Encoding and Connection headers are
// replaced. `head`: Content-Length of the body, but no body (RFC 9110 §9.3.2).
// The status must be 200..599 (the session checks).
BeastResponse to_beast_response(acmekit::http::Response response, unsigned version, bool head,
                                bool keep_alive);


}  // namespace acmekit::http
