#include "core/crypto/tls_alpn_responder.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstdio>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "core/crypto/general_names.h"
#include "core/crypto/key.h"
#include "core/crypto/key_impl.h"
#include "core/crypto/ossl.h"
#include "core/crypto/tls_alpn_probe.h"
#include "core/crypto/x509_builder.h"

namespace acmekit::crypto {
namespace {

using SslCtxPtr = std::unique_ptr<SSL_CTX, ossl::Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, ossl::Deleter<SSL_free>>;

std::string to_lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// For error lines: the SNI and ALPN names come from the network.
std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 255)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  return out;
}

// One presented challenge: its certificate and the key it was made with.
struct Entry {
  std::string key_authorization;
  ossl::X509Ptr cert;
  PrivateKey key;
};

}  // namespace

struct TlsAlpnResponder::Impl {
  SslCtxPtr ctx;
  std::mutex mu;
  // SNI name -> the certificates presented for it, newest last (served).
  std::map<std::string, std::vector<std::shared_ptr<const Entry>>, std::less<>> by_name;

  std::shared_ptr<const Entry> find(std::string_view name) {
    std::lock_guard lock(mu);
    auto it = by_name.find(name);
    if (it == by_name.end() || it->second.empty()) return nullptr;
    return it->second.back();
  }
};

struct TlsAlpnHandshake::Impl {
  std::shared_ptr<TlsAlpnResponder::Impl> responder;  // keeps the context and certificates alive
  SslPtr ssl;
  BIO* wbio = nullptr;  // owned by ssl
  BIO* rbio = nullptr;  // owned by ssl
  std::optional<State> final_state;
  std::string error;  // set by a callback that refuses, else OpenSSL's reason
  std::string server_name;
};

namespace {

TlsAlpnHandshake::Impl* handshake_of(SSL* ssl) {
  return static_cast<TlsAlpnHandshake::Impl*>(SSL_get_app_data(ssl));
}

// Runs first, on the raw ClientHello. RFC 8737 §4: "acme-tls/1" is only for
// validation, so a client that offers no ALPN at all gets no challenge
// certificate (the ALPN callback below only runs when ALPN is offered).
int on_client_hello(SSL* ssl, int* alert, void*) {
  const unsigned char* ext = nullptr;
  size_t ext_len = 0;
  if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &ext, &ext_len) != 1) {
    handshake_of(ssl)->error = "the client offered no ALPN protocol (acme-tls/1 required)";
    *alert = SSL_AD_NO_APPLICATION_PROTOCOL;
    return SSL_CLIENT_HELLO_ERROR;
  }
  return SSL_CLIENT_HELLO_SUCCESS;
}

// RFC 8737 §3 / RFC 8738 §6: the certificate for the SNI name; none for a
// name nobody presented (unrecognized_name, RFC 6066 §3).
int on_server_name(SSL* ssl, int* alert, void*) {
  auto* hs = handshake_of(ssl);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) {
    hs->error = "the client sent no SNI";
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  hs->server_name = to_lower(name);
  if (hs->server_name.ends_with('.')) hs->server_name.pop_back();
  std::shared_ptr<const Entry> entry = hs->responder->find(hs->server_name);
  if (!entry) {
    hs->error = "no challenge certificate for SNI \"" + printable(hs->server_name) + "\"";
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  // Both take their own reference: the entry may be removed meanwhile.
  if (SSL_use_certificate(ssl, entry->cert.get()) != 1 || SSL_use_PrivateKey(ssl, pkey_of(entry->key)) != 1) {
    hs->error = "setting the challenge certificate: " + ossl::drain_errors();
    *alert = SSL_AD_INTERNAL_ERROR;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

// RFC 8737 §3: the ServerHello selects "acme-tls/1"; a client that does not
// offer it gets no_application_protocol (RFC 7301 §3.2).
int on_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
            unsigned int in_len, void*) {
  constexpr std::string_view kWanted = kAcmeTlsAlpn;
  std::string offered;
  for (unsigned int i = 0; i < in_len;) {
    const unsigned int len = in[i];
    if (i + 1 + len > in_len) break;
    const std::string_view proto(reinterpret_cast<const char*>(in + i + 1), len);
    if (proto == kWanted) {
      *out = in + i + 1;
      *out_len = static_cast<unsigned char>(len);
      return SSL_TLSEXT_ERR_OK;
    }
    offered += (offered.empty() ? "" : ", ") + printable(proto);
    i += 1 + len;
  }
  handshake_of(ssl)->error = "the client offered ALPN [" + offered + "], not acme-tls/1";
  return SSL_TLSEXT_ERR_ALERT_FATAL;  // sends no_application_protocol
}

}  // namespace

std::string tls_alpn_server_name(std::string_view identifier) {
  const std::string ip = parse_ip_address(identifier);
  char label[8];
  std::string out;
  if (ip.size() == 4) {
    // RFC 1035 §3.5: the octets in reverse order under in-addr.arpa.
    for (int i = 3; i >= 0; --i) {
      std::snprintf(label, sizeof label, "%u.", static_cast<unsigned char>(ip[i]));
      out += label;
    }
    return out + "in-addr.arpa";
  }
  if (ip.size() == 16) {
    // RFC 3596 §2.5: every nibble, low one first, in reverse order, under ip6.arpa.
    for (int i = 15; i >= 0; --i) {
      const auto b = static_cast<unsigned char>(ip[i]);
      std::snprintf(label, sizeof label, "%x.%x.", b & 0xf, b >> 4);
      out += label;
    }
    return out + "ip6.arpa";
  }
  out = to_lower(identifier);
  if (out.ends_with('.')) out.pop_back();
  return out;
}

// ---- TlsAlpnHandshake -------------------------------------------------------

TlsAlpnHandshake::TlsAlpnHandshake(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsAlpnHandshake::TlsAlpnHandshake(TlsAlpnHandshake&&) noexcept = default;
TlsAlpnHandshake& TlsAlpnHandshake::operator=(TlsAlpnHandshake&&) noexcept = default;
TlsAlpnHandshake::~TlsAlpnHandshake() = default;

TlsAlpnHandshake::State TlsAlpnHandshake::advance(std::string_view received) {
  Impl& hs = *impl_;
  if (hs.final_state) return *hs.final_state;
  while (!received.empty()) {
    const int chunk = static_cast<int>(std::min<size_t>(received.size(), INT_MAX));
    if (BIO_write(hs.rbio, received.data(), chunk) != chunk) {
      hs.error = "buffering the peer's bytes: " + ossl::drain_errors();
      return *(hs.final_state = State::kFailed);
    }
    received.remove_prefix(static_cast<size_t>(chunk));
  }
  ERR_clear_error();
  const int rc = SSL_do_handshake(hs.ssl.get());
  if (rc == 1) {
    // RFC 8737 §4: nothing follows the handshake; close_notify, then close.
    SSL_shutdown(hs.ssl.get());
    ossl::clear_errors();
    return *(hs.final_state = State::kDone);
  }
  if (SSL_get_error(hs.ssl.get(), rc) == SSL_ERROR_WANT_READ) return State::kWantRead;
  std::string reason = ERR_peek_error() != 0 ? ossl::drain_errors() : std::string("handshake failed");
  if (hs.error.empty()) hs.error = std::move(reason);
  ossl::clear_errors();
  return *(hs.final_state = State::kFailed);
}

std::string TlsAlpnHandshake::take_output() {
  std::string out(BIO_ctrl_pending(impl_->wbio), '\0');
  if (out.empty()) return out;
  const int n = BIO_read(impl_->wbio, out.data(), static_cast<int>(out.size()));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return out;
}

const std::string& TlsAlpnHandshake::error() const { return impl_->error; }
const std::string& TlsAlpnHandshake::server_name() const { return impl_->server_name; }

// ---- TlsAlpnResponder -------------------------------------------------------

TlsAlpnResponder::TlsAlpnResponder(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

Result<TlsAlpnResponder> TlsAlpnResponder::create() {
  auto impl = std::make_shared<Impl>();
  impl->ctx.reset(SSL_CTX_new(TLS_server_method()));
  SSL_CTX* ctx = impl->ctx.get();
  if (ctx == nullptr) return ossl::crypto_error("creating the tls-alpn-01 TLS context");
  // RFC 8737 §4: TLS 1.2 or higher.
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return ossl::crypto_error("setting TLS 1.2 as the minimum");
  }
  // No resumption: a resumed handshake would carry no certificate.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_num_tickets(ctx, 0);
  SSL_CTX_set_client_hello_cb(ctx, on_client_hello, nullptr);
  SSL_CTX_set_tlsext_servername_callback(ctx, on_server_name);
  SSL_CTX_set_alpn_select_cb(ctx, on_alpn, nullptr);
  return TlsAlpnResponder(std::move(impl));
}

Result<std::string> TlsAlpnResponder::add(std::string_view identifier, std::string_view key_authorization) {
  if (identifier.empty()) return make_error(ErrorKind::kInvalidArgument, "empty identifier for tls-alpn-01");
  // RFC 8737 §3: a fresh key per challenge certificate, never stored.
  ACMEKIT_TRY(PrivateKey key, PrivateKey::generate({.algorithm = KeyAlgorithm::kEcP256}));
  ACMEKIT_TRY(std::string pem, make_tls_alpn01_certificate(key, std::string(identifier), key_authorization));
  ossl::BioPtr bio = ossl::mem_bio(pem);
  ossl::X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return ossl::crypto_error("reading the tls-alpn-01 certificate");

  auto entry = std::make_shared<Entry>();
  entry->key_authorization = std::string(key_authorization);
  entry->cert = std::move(cert);
  entry->key = std::move(key);
  std::string name = tls_alpn_server_name(identifier);
  std::lock_guard lock(impl_->mu);
  impl_->by_name[name].push_back(std::move(entry));
  return name;
}

void TlsAlpnResponder::remove(std::string_view identifier, std::string_view key_authorization) {
  const std::string name = tls_alpn_server_name(identifier);
  std::lock_guard lock(impl_->mu);
  auto it = impl_->by_name.find(name);
  if (it == impl_->by_name.end()) return;
  std::erase_if(it->second, [&](const auto& e) { return e->key_authorization == key_authorization; });
  if (it->second.empty()) impl_->by_name.erase(it);
}

Result<TlsAlpnHandshake> TlsAlpnResponder::accept() const {
  auto hs = std::make_unique<TlsAlpnHandshake::Impl>();
  hs->responder = impl_;
  hs->ssl.reset(SSL_new(impl_->ctx.get()));
  if (!hs->ssl) return ossl::crypto_error("creating a tls-alpn-01 TLS session");
  hs->rbio = BIO_new(BIO_s_mem());
  hs->wbio = BIO_new(BIO_s_mem());
  if (hs->rbio == nullptr || hs->wbio == nullptr) {
    BIO_free(hs->rbio);
    BIO_free(hs->wbio);
    return ossl::crypto_error("creating tls-alpn-01 buffers");
  }
  SSL_set_bio(hs->ssl.get(), hs->rbio, hs->wbio);  // ssl owns both now
  SSL_set_accept_state(hs->ssl.get());
  SSL_set_app_data(hs->ssl.get(), hs.get());
  return TlsAlpnHandshake(std::move(hs));
}

}  // namespace acmekit::crypto
