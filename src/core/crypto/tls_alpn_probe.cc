#include "core/crypto/tls_alpn_probe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

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
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>>;
using OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, ossl::Deleter<ASN1_OCTET_STRING_free>>;

using net::Fd;
using net::wait_fd;

// OpenSSL's socket BIO writes with write(): a peer that hangs up mid
// handshake must not kill the server with SIGPIPE. Blocks it for this
// thread and discards one raised meanwhile (unless it was already pending).
class SigpipeGuard {
 public:
  SigpipeGuard() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    sigset_t pending;
    sigemptyset(&pending);
    was_pending_ = ::sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_, &old_);
  }
  ~SigpipeGuard() {
    if (!was_pending_) {
      timespec zero{};
      while (::sigtimedwait(&pipe_, nullptr, &zero) == SIGPIPE) {
      }
    }
    ::pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }
  SigpipeGuard(const SigpipeGuard&) = delete;
  SigpipeGuard& operator=(const SigpipeGuard&) = delete;

 private:
  sigset_t pipe_, old_;
  bool was_pending_ = false;
};


// A connected non-blocking TCP socket to address:port.
Result<int> connect_to(const std::string& address, uint16_t port, const std::string& peer,
                       Clock::time_point deadline) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&ss);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&ss);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    len = sizeof *v4;
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    len = sizeof *v6;
  } else {
    return make_error(ErrorKind::kInvalidArgument, "'" + address + "' is not an IP address");
  }
  Fd s{::socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return make_error(ErrorKind::kUnavailable, "cannot connect to " + peer + ": " + std::strerror(errno));
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) {
    if (errno != EINPROGRESS) {
      return make_error(ErrorKind::kUnavailable, "cannot connect to " + peer + ": " + std::strerror(errno));
    }
    const int ready = wait_fd(s.fd, POLLOUT, deadline);
    if (ready == 0) return make_error(ErrorKind::kUnavailable, "cannot connect to " + peer + ": timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    if (ready < 0 || ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) err = errno;
    if (err != 0) return make_error(ErrorKind::kUnavailable, "cannot connect to " + peer + ": " + std::strerror(err));
  }
  const int fd = s.fd;
  s.fd = -1;
  return fd;
}

// What the leaf says about itself for RFC 8737 §3.
Status read_leaf(X509* leaf, AlpnProbeResult& result) {
  unsigned char* der = nullptr;
  const int len = i2d_X509(leaf, &der);
  if (len <= 0) return ossl::crypto_error("encoding the served certificate");
  const std::string bytes(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  ACMEKIT_TRY(result.leaf, parse_certificate_der(bytes));

  ossl::GeneralNamesPtr sans(
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr)));
  result.subject_alt_name_count = sans ? static_cast<std::size_t>(sk_GENERAL_NAME_num(sans.get())) : 0;

  ObjectPtr oid(OBJ_txt2obj(kAcmeIdentifierOid, 1));
  if (!oid) return ossl::crypto_error("parsing the acmeIdentifier OID");
  const int index = X509_get_ext_by_OBJ(leaf, oid.get(), -1);
  if (index >= 0) {
    X509_EXTENSION* ext = X509_get_ext(leaf, index);
    result.acme_identifier_present = true;
    result.acme_identifier_critical = X509_EXTENSION_get_critical(ext) == 1;
    // RFC 8737 §3: extnValue holds the DER of an OCTET STRING (Authorization).
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(ext);
    const unsigned char* p = ASN1_STRING_get0_data(value);
    const long size = ASN1_STRING_length(value);
    OctetStringPtr inner(d2i_ASN1_OCTET_STRING(nullptr, &p, size));
    if (inner && p == ASN1_STRING_get0_data(value) + size) {
      result.acme_identifier.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(inner.get())),
                                    static_cast<std::size_t>(ASN1_STRING_length(inner.get())));
    }
  }
  ossl::clear_errors();
  return {};
}

}  // namespace

Result<AlpnProbeResult> probe_tls_alpn(const std::string& address, uint16_t port, const std::string& sni,
                                       std::chrono::milliseconds timeout) {
  const std::string peer =
      (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" + std::to_string(port);
  const auto deadline = Clock::now() + timeout;
  AlpnProbeResult result;
  result.peer = peer;
  ACMEKIT_TRY(int raw_fd, connect_to(address, port, peer, deadline));
  Fd fd{raw_fd};

  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return ossl::crypto_error("creating a TLS context");
  // RFC 8737 §4: TLS 1.2 or higher. The certificate is self-signed: no trust.
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl || SSL_set_fd(ssl.get(), fd.fd) != 1) return ossl::crypto_error("creating a TLS session");
  if (SSL_set_tlsext_host_name(ssl.get(), sni.c_str()) != 1) {
    return make_error(ErrorKind::kInvalidArgument, "invalid server name '" + sni + "': " + ossl::drain_errors());
  }
  // RFC 8737 §3: "acme-tls/1" is the only protocol offered.
  static constexpr unsigned char kProtos[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
  if (SSL_set_alpn_protos(ssl.get(), kProtos, sizeof kProtos) != 0) return ossl::crypto_error("setting ALPN");

  SigpipeGuard no_sigpipe;
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
      return make_error(ErrorKind::kProtocol, "TLS handshake with " + peer + " failed: " + why);
    }
    if (wait_fd(fd.fd, events, deadline) <= 0) {
      ossl::clear_errors();
      return make_error(ErrorKind::kProtocol, "TLS handshake with " + peer + " timed out after " +
                                                  std::to_string(timeout.count()) + " ms");
    }
  }

  const unsigned char* selected = nullptr;
  unsigned int selected_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &selected, &selected_len);
  if (selected != nullptr) result.alpn.assign(reinterpret_cast<const char*>(selected), selected_len);

  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf == nullptr) return make_error(ErrorKind::kProtocol, "TLS server " + peer + " sent no certificate");
  ACMEKIT_CHECK(read_leaf(leaf, result));
  // No close_notify: the connection only ever carried the handshake.
  return result;
}

}  // namespace acmekit::crypto
