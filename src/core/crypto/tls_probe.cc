#include "core/crypto/tls_probe.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <memory>

#include "core/crypto/ossl.h"
#include "core/net/fd.h"

namespace acmekit::crypto {
namespace {

using Clock = std::chrono::steady_clock;
using SslCtxPtr = std::unique_ptr<SSL_CTX, ossl::Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, ossl::Deleter<SSL_free>>;
using StorePtr = std::unique_ptr<X509_STORE, ossl::Deleter<X509_STORE_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, ossl::Deleter<X509_STORE_CTX_free>>;

using net::Fd;
using net::wait_fd;

struct AddrInfoFree {
  void operator()(addrinfo* a) const { ::freeaddrinfo(a); }
};

std::string target_name(const std::string& host, uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}


std::string numeric_address(const sockaddr* sa, socklen_t len) {
  char host[NI_MAXHOST], serv[NI_MAXSERV];
  if (::getnameinfo(sa, len, host, sizeof host, serv, sizeof serv, NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return "?";
  }
  const std::string h = host;
  return (h.find(':') != std::string::npos ? "[" + h + "]" : h) + ":" + serv;
}

// A connected non-blocking socket to one of host's addresses.
Result<int> connect_tcp(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                        std::string& peer) {
  const std::string target = target_name(host, port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  addrinfo* raw = nullptr;
  const std::string service = std::to_string(port);
  int gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &raw);
  if (gai == EAI_ADDRFAMILY || gai == EAI_NONAME) {
    // AI_ADDRCONFIG hides ::1 on a host without IPv6 addresses but loopback.
    hints.ai_flags = AI_NUMERICSERV;
    gai = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &raw);
  }
  if (gai != 0) {
    return make_error(ErrorKind::kUnavailable, "cannot resolve " + target + ": " + ::gai_strerror(gai));
  }
  std::unique_ptr<addrinfo, AddrInfoFree> addrs(raw);
  std::string last_error = "no address";
  for (const addrinfo* a = addrs.get(); a != nullptr; a = a->ai_next) {
    Fd s{::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol)};
    const std::string addr = numeric_address(a->ai_addr, a->ai_addrlen);
    if (s.fd < 0) {
      last_error = addr + ": " + std::strerror(errno);
      continue;
    }
    if (::connect(s.fd, a->ai_addr, a->ai_addrlen) != 0) {
      if (errno != EINPROGRESS) {
        last_error = addr + ": " + std::strerror(errno);
        continue;
      }
      const int ready = wait_fd(s.fd, POLLOUT, Clock::now() + timeout);
      if (ready == 0) {
        last_error = addr + ": timed out after " + std::to_string(timeout.count()) + " ms";
        continue;
      }
      int err = 0;
      socklen_t len = sizeof err;
      if (ready < 0 || ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      if (err != 0) {
        last_error = addr + ": " + std::strerror(err);
        continue;
      }
    }
    peer = addr;
    int fd = s.fd;
    s.fd = -1;
    return fd;
  }
  // The last address tried and why; named only when it differs from target.
  if (last_error.starts_with(target + ": ")) last_error = last_error.substr(target.size() + 2);
  return make_error(ErrorKind::kUnavailable, "cannot connect to " + target + ": " + last_error);
}

// Sends close_notify without letting a peer that already left kill us with
// SIGPIPE (OpenSSL's socket BIO uses write()).
void polite_shutdown(SSL* ssl) {
  sigset_t pipe, old;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  const bool was_pending = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
  ::pthread_sigmask(SIG_BLOCK, &pipe, &old);
  SSL_shutdown(ssl);
  if (!was_pending) {
    timespec zero{};
    while (::sigtimedwait(&pipe, nullptr, &zero) == SIGPIPE) {
    }
  }
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  ERR_clear_error();
}

Result<StorePtr> trust_store(const std::string& ca_bundle) {
  StorePtr store(X509_STORE_new());
  if (!store || X509_STORE_set_default_paths(store.get()) != 1) {
    return ossl::crypto_error("loading the system trust store");
  }
  if (!ca_bundle.empty() && X509_STORE_load_file(store.get(), ca_bundle.c_str()) != 1) {
    return make_error(ErrorKind::kInvalidArgument,
                      "cannot read CA bundle " + ca_bundle + ": " + ossl::drain_errors());
  }
  return store;
}

Result<CertificateInfo> parse_x509(X509* cert) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(cert, &der);
  if (len <= 0) return ossl::crypto_error("encoding a served certificate");
  std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return parse_certificate_der(bytes);
}

}  // namespace

Result<TlsProbeResult> probe_tls(const std::string& host, uint16_t port, const std::string& sni,
                                 const std::string& ca_bundle, std::chrono::milliseconds timeout) {
  const std::string target = target_name(host, port);
  const std::string name = sni.empty() ? host : sni;
  ACMEKIT_TRY(StorePtr store, trust_store(ca_bundle));

  TlsProbeResult result;
  ACMEKIT_TRY(int raw_fd, connect_tcp(host, port, timeout, result.peer));
  Fd fd{raw_fd};

  // Trust is checked below, on its own: monitoring must see expired or
  // self-signed certificates too.
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ossl::crypto_error("creating a TLS context");
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.fd) != 1) return ossl::crypto_error("creating a TLS session");
  // RFC 6066 §3: "Literal IPv4 and IPv6 addresses are not permitted".
  if (!is_ip_literal(name) && SSL_set_tlsext_host_name(ssl.get(), name.c_str()) != 1) {
    return make_error(ErrorKind::kInvalidArgument, "invalid server name '" + name + "': " + ossl::drain_errors());
  }

  const auto deadline = Clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int err = SSL_get_error(ssl.get(), rc);
    short events = 0;
    if (err == SSL_ERROR_WANT_READ) events = POLLIN;
    else if (err == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      std::string why = ossl::drain_errors();
      if (why.empty()) why = err == SSL_ERROR_SYSCALL && errno != 0 ? std::strerror(errno) : "connection closed by peer";
      return make_error(ErrorKind::kUnavailable, "TLS handshake with " + target + " failed: " + why);
    }
    const int ready = wait_fd(fd.fd, events, deadline);
    if (ready <= 0) {
      ossl::clear_errors();
      return make_error(ErrorKind::kUnavailable, "TLS handshake with " + target + " timed out after " +
                                                 std::to_string(timeout.count()) + " ms");
    }
  }
  result.protocol = SSL_get_version(ssl.get());

  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf == nullptr) {
    polite_shutdown(ssl.get());
    return make_error(ErrorKind::kUnavailable, "TLS server " + target + " sent no certificate");
  }
  ACMEKIT_TRY(result.leaf, parse_x509(leaf));
  // On the client side the peer chain starts with the leaf.
  STACK_OF(X509)* sent = SSL_get_peer_cert_chain(ssl.get());
  for (int i = 1; sent != nullptr && i < sk_X509_num(sent); ++i) {
    ACMEKIT_TRY(auto info, parse_x509(sk_X509_value(sent, i)));
    result.chain.push_back(std::move(info));
  }

  // RFC 5280 §6: path validation with the served certificates as untrusted
  // intermediates, for a TLS server (extendedKeyUsage serverAuth).
  StoreCtxPtr vctx(X509_STORE_CTX_new());
  if (!vctx || X509_STORE_CTX_init(vctx.get(), store.get(), leaf, sent) != 1) {
    return ossl::crypto_error("setting up certificate verification");
  }
  X509_STORE_CTX_set_purpose(vctx.get(), X509_PURPOSE_SSL_SERVER);
  result.verified = X509_verify_cert(vctx.get()) == 1;
  if (!result.verified) {
    result.verify_error = X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get()));
  }
  ossl::clear_errors();

  // RFC 6125 §6.4 (DNS names, with wildcards) and §6.2.1 (IP addresses).
  result.name_matches = is_ip_literal(name)
                            ? X509_check_ip_asc(leaf, name.c_str(), 0) == 1
                            : X509_check_host(leaf, name.data(), name.size(), 0, nullptr) == 1;
  ossl::clear_errors();
  polite_shutdown(ssl.get());
  return result;
}

}  // namespace acmekit::crypto
