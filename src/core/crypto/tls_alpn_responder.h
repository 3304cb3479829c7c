// The answering half of tls-alpn-01 (RFC 8737 §3, RFC 8738 §6): a TLS
// server that, for a ClientHello offering ALPN "acme-tls/1" with the SNI of
// a presented identifier, serves that identifier's self-signed challenge
// certificate, and refuses every other handshake.
//
// No socket I/O happens here: a TlsAlpnHandshake is fed the bytes read from
// the peer and hands back the bytes to write (OpenSSL over memory BIOs), so
// the caller's event loop (Asio in client/challenge/tls_alpn01_standalone)
// owns the socket, its deadline and its errors. The validator's side is
// tls_alpn_probe.h.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::crypto {

// The SNI HostName a validator sends for an identifier: a DNS name
// lower-cased (RFC 4343; a trailing dot dropped, RFC 6066 §3), an IP address
// as its reverse-mapping name (RFC 8738 §6): "1.0.0.127.in-addr.arpa"
// (RFC 1035 §3.5), or 32 lower-case nibbles, least significant first, then
// "ip6.arpa" (RFC 3596 §2.5).
std::string tls_alpn_server_name(std::string_view identifier);

// One server-side TLS handshake, driven by the caller's I/O.
class TlsAlpnHandshake {
 public:
  enum class State {
    kWantRead,  // write output(), then read more from the peer and advance()
    kDone,      // the handshake completed: write output() (last flight and
                // close_notify), then close (RFC 8737 §4: nothing follows)
    kFailed,    // write output() (the alert, if any), then close; see error()
  };

  TlsAlpnHandshake(TlsAlpnHandshake&&) noexcept;
  TlsAlpnHandshake& operator=(TlsAlpnHandshake&&) noexcept;
  ~TlsAlpnHandshake();

  // Hands the bytes just read from the peer to TLS (none for the first call
  // is fine) and runs the handshake as far as they allow.
  State advance(std::string_view received);
  // What TLS wants written to the peer since the last call (then cleared).
  std::string take_output();
  // Why the handshake failed, one line ("no ALPN protocol offered", "no
  // challenge certificate for SNI \"x\"", or OpenSSL's reason).
  const std::string& error() const;
  // The SNI the client sent, lower-cased ("" before the ClientHello or if none).
  const std::string& server_name() const;

  struct Impl;

 private:
  friend class TlsAlpnResponder;
  explicit TlsAlpnHandshake(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The TLS context (TLS 1.2+, no session resumption, so every handshake
// carries the certificate) and the challenge certificates by SNI name.
// Every method is thread safe; handshakes may run while certificates are
// added and removed, and may outlive the responder.
class TlsAlpnResponder {
 public:
  static Result<TlsAlpnResponder> create();

  // Makes a fresh P-256 key and the RFC 8737 §3 certificate for identifier
  // (one SAN: the DNS name, or the iPAddress for an IP identifier;
  // critical acmeIdentifier = SHA-256(key_authorization)), held only in
  // memory, and serves it for tls_alpn_server_name(identifier). Returns
  // that name. Presenting a name again (another order for it) serves the
  // newest certificate until it is removed, then the previous one again.
  // kInvalidArgument for an empty or malformed identifier.
  Result<std::string> add(std::string_view identifier, std::string_view key_authorization);
  // Stops serving the certificate add() made for this identifier and key
  // authorization. Removing what is not there is not an error.
  void remove(std::string_view identifier, std::string_view key_authorization);

  // A handshake for one accepted connection. kCrypto if OpenSSL fails.
  Result<TlsAlpnHandshake> accept() const;

  struct Impl;

 private:
  explicit TlsAlpnResponder(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace acmekit::crypto
