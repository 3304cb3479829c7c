// The real HTTP client: libcurl with one reused easy handle (keep-alive).
//
// TLS verification is always on. Trust = the system store plus, when
// ClientOptions::ca_bundle is set, the certificates of that PEM file (for a
// private or test CA). Redirects are never followed: ACME clients must see
// them. Any HTTP status is a Response; only transport failures (DNS, connect,
// TLS, timeout) are Errors, of kind kUnavailable.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/http/client.h"

namespace acmekit::http {

class CurlClient : public Client {
 public:
  // Never fails: a problem with the options (e.g. an unreadable ca_bundle,
  // kInvalidArgument) is returned by every send(). Use create() to see it
  // up front.
  explicit CurlClient(ClientOptions options);
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  // Like the constructor, but reports option problems immediately.
  static Result<std::unique_ptr<CurlClient>> create(ClientOptions options);

  // Thread safe (requests are serialized on the one handle).
  Result<Response> send(const Request& request) override;

 private:
  ClientOptions options_;
  std::optional<Error> init_error_;
  // The extra trust anchors, PEM: ca_bundle, plus the system store's bundle
  // file when the system store is trusted and has no hashed directory;
  // empty without ca_bundle.
  std::string ca_blob_;
  // options_.system_store_dir when it holds hash links and the system store
  // is trusted; else empty (then, without ca_bundle, curl's default store).
  std::string system_dir_;
  std::mutex mu_;
  void* handle_ = nullptr;  // CURL*
};

}  // namespace acmekit::http
