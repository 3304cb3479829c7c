// The load generator's HTTP client: one kept-alive connection, HTTPS (or
// HTTP) straight through OpenSSL on a blocking socket, answers parsed by
// Boost.Beast's HTTP parser. curl's per-request machinery (its multi loop,
// header callbacks, the wakeup socket it polls) was a third of the loadgen's
// CPU, and an asio event loop still cost an epoll_wait, a failed recvmsg and
// timerfd updates per request, on the cores it shares with the CA under
// test; this writes a request in one send and reads its answer in one or
// two recv. Timeouts are the socket's own (SO_RCVTIMEO, SO_SNDTIMEO).
//
// TLS is verified as CurlClient verifies it: the peer's chain against
// --ca-bundle only (a private CA), and the URL's host against the
// certificate (RFC 6125; an IP address against its iPAddress SAN). A
// request on a kept connection that the server had closed is sent once
// more on a new one, as curl does. Failures are ErrorKind::kUnavailable,
// with "is not trusted" or "timed out" in the detail for the failures
// RetryingClient must not retry. SIGPIPE is ignored from create() on (a
// write to a connection the server closed is EPIPE, not a signal).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "core/http/client.h"

namespace acmekit::loadgen {

class BeastClient : public http::Client {
 public:
  // kInvalidArgument when ca_bundle cannot be read.
  static Result<std::unique_ptr<BeastClient>> create(const std::string& ca_bundle, std::string user_agent,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(60));
  ~BeastClient() override;
  BeastClient(const BeastClient&) = delete;
  BeastClient& operator=(const BeastClient&) = delete;

  // Not thread safe: one client per worker.
  Result<http::Response> send(const http::Request& request) override;

 private:
  struct State;
  explicit BeastClient(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace acmekit::loadgen
