// http-01 (RFC 8555 §8.3) answered by a small built-in HTTP server, for hosts
// where nothing else listens on port 80.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "client/challenge/solver.h"

namespace acmekit::client::challenge {

class Http01Standalone : public Solver {
 public:
  // Binds address:port now (so "address already in use" is reported before
  // any order exists) and serves on a background thread. "" or "0.0.0.0"
  // means every IPv4 address, "::" every IPv6 address (and IPv4 too, v6only
  // off). Port 0 picks a free port (see port()). Errors are kIo, e.g.
  // "cannot listen on 127.0.0.1:80 for http-01: Address already in use";
  // an unparsable address is kInvalidArgument.
  static Result<std::unique_ptr<Http01Standalone>> start(const std::string& address,
                                                         uint16_t port);
  ~Http01Standalone() override;  // stops the thread, closes the socket
  Http01Standalone(const Http01Standalone&) = delete;
  Http01Standalone& operator=(const Http01Standalone&) = delete;

  uint16_t port() const;  // the actual port

  ChallengeType type() const override;  // http-01
  // Serves GET /.well-known/acme-challenge/<token> with the key
  // authorization. Thread safe. The token must be base64url.
  Status present(const Task& task) override;
  // Stops serving the token. Succeeds when it was not present.
  Status cleanup(const Task& task) override;

  struct Impl;

 private:
  explicit Http01Standalone(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace acmekit::client::challenge
