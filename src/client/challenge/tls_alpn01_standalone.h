// tls-alpn-01 (RFC 8737, IP identifiers RFC 8738 §6) answered by a small
// built-in TLS server, for hosts where nothing else listens on port 443.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "client/challenge/solver.h"

namespace acmekit::client::challenge {

class TlsAlpn01Standalone : public Solver {
 public:
  // How long one connection may take to complete its handshake before it
  // is dropped (a silent or slow client never holds up the others).
  static constexpr std::chrono::milliseconds kHandshakeTimeout{10'000};

  // Binds address:port now (so "address already in use" is reported before
  // any order exists) and serves on a background thread. "" or "0.0.0.0"
  // means every IPv4 address, "::" every IPv6 address (and IPv4 too, v6only
  // off). Port 0 picks a free port (see port()). Errors are kIo, e.g.
  // "cannot listen on 127.0.0.1:443 for tls-alpn-01: Address already in
  // use"; an unparsable address is kInvalidArgument.
  static Result<std::unique_ptr<TlsAlpn01Standalone>> start(
      const std::string& address, uint16_t port,
      std::chrono::milliseconds handshake_timeout = kHandshakeTimeout);
  ~TlsAlpn01Standalone() override;  // stops the thread, closes every socket
  TlsAlpn01Standalone(const TlsAlpn01Standalone&) = delete;
  TlsAlpn01Standalone& operator=(const TlsAlpn01Standalone&) = delete;

  uint16_t port() const;  // the actual port

  ChallengeType type() const override;  // tls-alpn-01
  // Makes a fresh P-256 key and the RFC 8737 §3 certificate for
  // task.identifier (one SAN, critical acmeIdentifier =
  // SHA-256(task.key_authorization)) and serves it to handshakes that offer
  // ALPN "acme-tls/1" with the identifier's SNI: the DNS name (any case), or
  // for an IP the reverse name, "1.0.0.127.in-addr.arpa" / "...ip6.arpa".
  // A task for a wildcard authorization gets the base name (CAs offer only
  // dns-01 there). Thread safe. kInvalidArgument for a bad identifier.
  Status present(const Task& task) override;
  // Stops serving that certificate. Succeeds when it was not present.
  Status cleanup(const Task& task) override;

  struct Impl;

 private:
  explicit TlsAlpn01Standalone(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace acmekit::client::challenge
