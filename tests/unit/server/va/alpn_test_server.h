// Test-only: an in-process OpenSSL TLS server on a free 127.0.0.1 port for
// tls-alpn-01 (RFC 8737 §3), presenting a self-signed certificate built here
// with OpenSSL directly (not with acmekit's crypto code), optionally
// selecting "acme-tls/1" by ALPN. Records the SNI of each handshake.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace acmekit::test_support {

struct AcmeTlsCert {
  std::string subject_alt_name = "DNS:x.test";     // openssl syntax, comma separated
  std::optional<std::string> acme_identifier;      // raw digest; none: no extension
  bool critical = true;
  bool der_encoded = true;  // false: extnValue holds the raw bytes, not an OCTET STRING
};

class AlpnTestServer {
 public:
  // offer_alpn false: a TLS server that knows nothing of ALPN.
  AlpnTestServer(const AcmeTlsCert& cert, bool offer_alpn) {
    key_ = EVP_EC_gen("P-256");
    cert_ = make_cert(cert, key_);
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (key_ == nullptr || cert_ == nullptr || ctx_ == nullptr || SSL_CTX_use_certificate(ctx_, cert_) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_, key_) != 1) {
      return;
    }
    SSL_CTX_set_num_tickets(ctx_, 0);
    if (offer_alpn) SSL_CTX_set_alpn_select_cb(ctx_, select_acme_tls, nullptr);
    // Recorded while the ClientHello is read, so before the client can finish.
    SSL_CTX_set_tlsext_servername_callback(ctx_, record_server_name);
    SSL_CTX_set_tlsext_servername_arg(ctx_, this);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~AlpnTestServer() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  AlpnTestServer(const AlpnTestServer&) = delete;
  AlpnTestServer& operator=(const AlpnTestServer&) = delete;

  uint16_t port() const { return port_; }
  std::vector<std::string> server_names() const {
    std::lock_guard lock(mu_);
    return server_names_;
  }

  // The DER of an OCTET STRING holding bytes (what acmeIdentifier's extnValue holds).
  static std::string der_octet_string(const std::string& bytes) {
    ASN1_OCTET_STRING* s = ASN1_OCTET_STRING_new();
    ASN1_OCTET_STRING_set(s, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
    unsigned char* der = nullptr;
    const int len = i2d_ASN1_OCTET_STRING(s, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
    OPENSSL_free(der);
    ASN1_OCTET_STRING_free(s);
    return out;
  }

 private:
  static X509* make_cert(const AcmeTlsCert& c, EVP_PKEY* key) {
    if (key == nullptr) return nullptr;
    X509* x = X509_new();
    X509_set_version(x, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("acme"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509_set_pubkey(x, key);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_nconf_nid(nullptr, &v3, NID_subject_alt_name, c.subject_alt_name.c_str());
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    if (c.acme_identifier) {
      // RFC 8737 §3: extnValue = DER(OCTET STRING (SHA-256 of the key authorization)).
      const std::string der = c.der_encoded ? der_octet_string(*c.acme_identifier) : *c.acme_identifier;
      ASN1_OCTET_STRING* value = ASN1_OCTET_STRING_new();
      ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(der.data()), static_cast<int>(der.size()));
      ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
      X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid, c.critical ? 1 : 0, value);
      X509_add_ext(x, ext, -1);
      X509_EXTENSION_free(ext);
      ASN1_OBJECT_free(oid);
      ASN1_OCTET_STRING_free(value);
    }
    X509_sign(x, key, EVP_sha256());
    return x;
  }

  static int select_acme_tls(SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
                             unsigned int inlen, void*) {
    static const unsigned char kOurs[] = {10, 'a', 'c', 'm', 'e', '-', 't', 'l', 's', '/', '1'};
    unsigned char* chosen = nullptr;
    if (SSL_select_next_proto(&chosen, outlen, kOurs, sizeof kOurs, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
      return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    *out = chosen;
    return SSL_TLSEXT_ERR_OK;
  }

  static int record_server_name(SSL* ssl, int*, void* arg) {
    auto* self = static_cast<AlpnTestServer*>(arg);
    const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
    std::lock_guard lock(self->mu_);
    self->server_names_.push_back(sni != nullptr ? sni : "");
    return SSL_TLSEXT_ERR_OK;
  }

  void serve() {
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);  // this thread only
    while (!stop_) {
      pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
      if (::poll(&p, 1, 20) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      timeval tv{.tv_sec = 2, .tv_usec = 0};
      ::setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, c);
      SSL_accept(ssl);
      char buf[64];
      while (SSL_read(ssl, buf, sizeof buf) > 0) {
      }
      SSL_free(ssl);
      ::close(c);
    }
  }

  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<std::string> server_names_;
  std::thread thread_;
};

}  // namespace acmekit::test_support
