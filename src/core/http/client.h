// The HTTP edge, as an interface so unit tests can fake it.
// The real implementation is CurlClient (curl_client.h).
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/version.h"

namespace acmekit::http {

// Header names are stored lower-case. Several values of the same header
// (e.g. many Link headers) are kept in order.
struct Headers {
  std::vector<std::pair<std::string, std::string>> items;
  // First value of a header, name case-insensitive.
  std::optional<std::string> get(std::string_view name) const;
  // Every value of a header, in order.
  std::vector<std::string> get_all(std::string_view name) const;
  void add(std::string name, std::string value);
};

struct Request {
  std::string method = "GET";  // GET, HEAD, POST; PUT, PATCH, DELETE (DNS provider APIs)
  std::string url;
  Headers headers;
  std::string body;
};

struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

// The User-Agent every client starts with (RFC 8555 §6.1: ACME clients
// send one): "acmekit/VERSION", unless the program set another before making
// clients (acmekit --user-agent; set once, before any thread starts).
inline std::string& default_user_agent() {
  static std::string user_agent = "acmekit/" + std::string(kVersion);
  return user_agent;
}

struct ClientOptions {
  // Extra trust anchors (PEM file) in addition to the system store.
  std::string ca_bundle;
  // Trust only ca_bundle, not the system store (a private PKI: acmekit-ca's
  // remote validation perspectives).
  bool ca_bundle_only = false;
  // The system store as a directory of certificates named by subject hash
  // (`openssl rehash`; Debian's ca-certificates keeps /etc/ssl/certs so).
  // OpenSSL then reads only the issuer a handshake needs, where the bundle
  // file costs a parse of every certificate in it (~144, 30-45 ms of CPU)
  // per client. Without hash links there, the bundle file is used.
  std::string system_store_dir = "/etc/ssl/certs";
  // Mutual TLS: the client certificate (PEM) and its key (PEM) presented
  // when the server asks for one; both empty: none.
  std::string client_cert_pem, client_key_pem;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{60'000};
  std::string user_agent = default_user_agent();
};

class Client {
 public:
  virtual ~Client() = default;
  // Performs one request. A transport failure (DNS, connect, TLS, timeout)
  // is an Error with ErrorKind::kUnavailable; any HTTP status is a Response.
  virtual Result<Response> send(const Request& request) = 0;
};

}  // namespace acmekit::http
