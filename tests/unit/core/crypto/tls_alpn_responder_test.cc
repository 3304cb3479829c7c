#include "core/crypto/tls_alpn_responder.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "core/crypto/digest.h"

namespace acmekit::crypto {
namespace {

// ---- SNI names (RFC 8738 §6) ------------------------------------------------

TEST(TlsAlpnServerNameTest, DnsNamesAreLowerCasedWithoutTrailingDot) {
  EXPECT_EQ(tls_alpn_server_name("Example.COM"), "example.com");
  EXPECT_EQ(tls_alpn_server_name("www.example.com."), "www.example.com");
}

TEST(TlsAlpnServerNameTest, Ipv4IsReversedUnderInAddrArpa) {
  EXPECT_EQ(tls_alpn_server_name("127.0.0.1"), "1.0.0.127.in-addr.arpa");
  EXPECT_EQ(tls_alpn_server_name("192.0.2.255"), "255.2.0.192.in-addr.arpa");
  EXPECT_EQ(tls_alpn_server_name("10.20.30.40"), "40.30.20.10.in-addr.arpa");
}

TEST(TlsAlpnServerNameTest, Ipv6IsNibblesUnderIp6Arpa) {
  // The example of RFC 8738 §6 (without the trailing dot, RFC 6066 §3).
  EXPECT_EQ(tls_alpn_server_name("2001:db8::1"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  // Any textual form of the address gives the same name, nibbles lower case.
  EXPECT_EQ(tls_alpn_server_name("2001:DB8:0:0:0:0:0:1"), tls_alpn_server_name("2001:db8::1"));
  std::string loopback;
  loopback += "1.";
  for (int i = 0; i < 31; ++i) loopback += "0.";
  EXPECT_EQ(tls_alpn_server_name("::1"), loopback + "ip6.arpa");
  EXPECT_EQ(tls_alpn_server_name("fe80::abcd:12"),
            "2.1.0.0.d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa");
}

// ---- Handshakes over memory, against an OpenSSL client -----------------------

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;
using SslPtr = std::unique_ptr<SSL, decltype(&SSL_free)>;

struct ClientResult {
  TlsAlpnHandshake::State server_state = TlsAlpnHandshake::State::kWantRead;
  std::string server_error;
  bool client_done = false;
  std::string alpn;
  std::vector<std::string> sans;  // "DNS:x" / "IP:n bytes"
  std::string acme_identifier;    // the extension's raw extnValue (DER OCTET STRING)
  bool acme_identifier_critical = false;
};

// A client offering alpn (wire format; empty: no ALPN) with SNI sni
// (empty: none), bytes shuttled between the two in memory.
ClientResult handshake(const TlsAlpnResponder& responder, const std::string& sni, std::string_view alpn_wire,
                       int max_version = 0) {
  ClientResult r;
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  if (max_version != 0) SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  SslPtr ssl(SSL_new(ctx.get()), SSL_free);
  BIO* in = BIO_new(BIO_s_mem());
  BIO* out = BIO_new(BIO_s_mem());
  SSL_set_bio(ssl.get(), in, out);
  SSL_set_connect_state(ssl.get());
  if (!sni.empty()) SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
  if (!alpn_wire.empty()) {
    SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(alpn_wire.data()),
                        static_cast<unsigned>(alpn_wire.size()));
  }
  auto server = responder.accept();
  EXPECT_TRUE(server.has_value());
  if (!server) return r;

  for (int round = 0; round < 20; ++round) {
    if (!r.client_done) r.client_done = SSL_do_handshake(ssl.get()) == 1;
    std::string to_server(BIO_ctrl_pending(out), '\0');
    BIO_read(out, to_server.data(), static_cast<int>(to_server.size()));
    r.server_state = server->advance(to_server);
    const std::string to_client = server->take_output();
    BIO_write(in, to_client.data(), static_cast<int>(to_client.size()));
    if (r.server_state != TlsAlpnHandshake::State::kWantRead) {
      if (!r.client_done) r.client_done = SSL_do_handshake(ssl.get()) == 1;
      break;
    }
  }
  r.server_error = server->error();
  ERR_clear_error();
  if (!r.client_done) return r;

  const unsigned char* selected = nullptr;
  unsigned int selected_len = 0;
  SSL_get0_alpn_selected(ssl.get(), &selected, &selected_len);
  r.alpn.assign(reinterpret_cast<const char*>(selected), selected_len);
  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf == nullptr) return r;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(leaf, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; sans != nullptr && i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* gn = sk_GENERAL_NAME_value(sans, i);
    if (gn->type == GEN_DNS) {
      r.sans.push_back("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(gn->d.dNSName)),
                                            ASN1_STRING_length(gn->d.dNSName)));
    } else if (gn->type == GEN_IPADD) {
      r.sans.push_back("IP:" + std::to_string(ASN1_STRING_length(gn->d.iPAddress)) + " bytes");
    } else {
      r.sans.push_back("other");
    }
  }
  GENERAL_NAMES_free(sans);
  ASN1_OBJECT* oid = OBJ_txt2obj("1.3.6.1.5.5.7.1.31", 1);
  const int index = X509_get_ext_by_OBJ(leaf, oid, -1);
  ASN1_OBJECT_free(oid);
  if (index >= 0) {
    X509_EXTENSION* ext = X509_get_ext(leaf, index);
    r.acme_identifier_critical = X509_EXTENSION_get_critical(ext) == 1;
    const ASN1_OCTET_STRING* v = X509_EXTENSION_get_data(ext);
    r.acme_identifier.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(v)), ASN1_STRING_length(v));
  }
  return r;
}

constexpr std::string_view kAcmeTls{"\x0a" "acme-tls/1", 11};
constexpr std::string_view kH2AndAcmeTls{"\x02" "h2" "\x0a" "acme-tls/1", 14};
constexpr std::string_view kH2{"\x02" "h2", 3};
const std::string kKeyAuth = "evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";

// DER OCTET STRING (04 20 ...) around SHA-256(key authorization), RFC 8737 §3.
std::string expected_extn_value(const std::string& key_authorization) {
  return std::string("\x04\x20", 2) + sha256(key_authorization);
}

TEST(TlsAlpnResponderTest, ServesTheChallengeCertificateForItsSni) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value()) << responder.error().detail;
  auto name = responder->add("Example.com", kKeyAuth);
  ASSERT_TRUE(name.has_value()) << name.error().detail;
  EXPECT_EQ(*name, "example.com");

  for (int version : {0, TLS1_2_VERSION}) {
    SCOPED_TRACE(version == 0 ? "TLS 1.3" : "TLS 1.2");
    // The SNI matches whatever its case; other ALPN protocols may be offered too.
    auto r = handshake(*responder, "EXAMPLE.com", kH2AndAcmeTls, version);
    EXPECT_EQ(r.server_state, TlsAlpnHandshake::State::kDone) << r.server_error;
    ASSERT_TRUE(r.client_done);
    EXPECT_EQ(r.alpn, "acme-tls/1");
    EXPECT_EQ(r.sans, std::vector<std::string>{"DNS:example.com"});
    EXPECT_TRUE(r.acme_identifier_critical);
    EXPECT_EQ(r.acme_identifier, expected_extn_value(kKeyAuth));
  }
}

TEST(TlsAlpnResponderTest, IpIdentifiersAnswerTheirReverseName) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  ASSERT_TRUE(responder->add("127.0.0.1", kKeyAuth).has_value());
  ASSERT_TRUE(responder->add("::1", kKeyAuth).has_value());

  auto v4 = handshake(*responder, "1.0.0.127.in-addr.arpa", kAcmeTls);
  EXPECT_EQ(v4.server_state, TlsAlpnHandshake::State::kDone) << v4.server_error;
  EXPECT_EQ(v4.sans, std::vector<std::string>{"IP:4 bytes"});
  auto v6 = handshake(*responder, tls_alpn_server_name("::1"), kAcmeTls);
  EXPECT_EQ(v6.server_state, TlsAlpnHandshake::State::kDone) << v6.server_error;
  EXPECT_EQ(v6.sans, std::vector<std::string>{"IP:16 bytes"});
  // The address itself is not an SNI anyone answers.
  auto literal = handshake(*responder, "127.0.0.1", kAcmeTls);
  EXPECT_EQ(literal.server_state, TlsAlpnHandshake::State::kFailed);
}

TEST(TlsAlpnResponderTest, RefusesUnknownNamesMissingSniAndOtherProtocols) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  ASSERT_TRUE(responder->add("example.com", kKeyAuth).has_value());

  auto unknown = handshake(*responder, "other.example.com", kAcmeTls);
  EXPECT_EQ(unknown.server_state, TlsAlpnHandshake::State::kFailed);
  EXPECT_FALSE(unknown.client_done);
  EXPECT_EQ(unknown.server_error, "no challenge certificate for SNI \"other.example.com\"");

  auto no_sni = handshake(*responder, "", kAcmeTls);
  EXPECT_EQ(no_sni.server_state, TlsAlpnHandshake::State::kFailed);
  EXPECT_FALSE(no_sni.client_done);

  auto no_alpn = handshake(*responder, "example.com", "");
  EXPECT_EQ(no_alpn.server_state, TlsAlpnHandshake::State::kFailed);
  EXPECT_FALSE(no_alpn.client_done);
  EXPECT_EQ(no_alpn.server_error, "the client offered no ALPN protocol (acme-tls/1 required)");

  auto h2 = handshake(*responder, "example.com", kH2);
  EXPECT_EQ(h2.server_state, TlsAlpnHandshake::State::kFailed);
  EXPECT_FALSE(h2.client_done);
  EXPECT_EQ(h2.server_error, "the client offered ALPN [h2], not acme-tls/1");
}

TEST(TlsAlpnResponderTest, GarbageFailsTheHandshake) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  auto hs = responder->accept();
  ASSERT_TRUE(hs.has_value());
  EXPECT_EQ(hs->advance(""), TlsAlpnHandshake::State::kWantRead);
  EXPECT_EQ(hs->advance("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), TlsAlpnHandshake::State::kFailed);
  EXPECT_FALSE(hs->error().empty());
  // Failed stays failed.
  EXPECT_EQ(hs->advance("more"), TlsAlpnHandshake::State::kFailed);
}

TEST(TlsAlpnResponderTest, RemoveStopsServingAndRestoresAnEarlierPresentation) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  const std::string other = "other-token.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI";
  ASSERT_TRUE(responder->add("example.com", kKeyAuth).has_value());
  ASSERT_TRUE(responder->add("example.com", other).has_value());
  // The newest presentation is served ...
  EXPECT_EQ(handshake(*responder, "example.com", kAcmeTls).acme_identifier, expected_extn_value(other));
  // ... and removing it brings back the one still presented.
  responder->remove("example.com", other);
  EXPECT_EQ(handshake(*responder, "example.com", kAcmeTls).acme_identifier, expected_extn_value(kKeyAuth));
  responder->remove("EXAMPLE.COM", kKeyAuth);
  EXPECT_EQ(handshake(*responder, "example.com", kAcmeTls).server_state, TlsAlpnHandshake::State::kFailed);
  responder->remove("example.com", kKeyAuth);  // not there: fine
}

TEST(TlsAlpnResponderTest, EveryCertificateHasItsOwnKey) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  ASSERT_TRUE(responder->add("a.example", kKeyAuth).has_value());
  ASSERT_TRUE(responder->add("b.example", kKeyAuth).has_value());
  auto leaf_key = [&](const std::string& sni) {
    // The served certificate's public key, via a fresh client.
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    SslPtr ssl(SSL_new(ctx.get()), SSL_free);
    BIO* in = BIO_new(BIO_s_mem());
    BIO* out = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl.get(), in, out);
    SSL_set_connect_state(ssl.get());
    SSL_set_tlsext_host_name(ssl.get(), sni.c_str());
    SSL_set_alpn_protos(ssl.get(), reinterpret_cast<const unsigned char*>(kAcmeTls.data()), 11);
    auto server = responder->accept();
    for (int i = 0; i < 10 && SSL_do_handshake(ssl.get()) != 1; ++i) {
      std::string b(BIO_ctrl_pending(out), '\0');
      BIO_read(out, b.data(), static_cast<int>(b.size()));
      server->advance(b);
      std::string c = server->take_output();
      BIO_write(in, c.data(), static_cast<int>(c.size()));
    }
    std::string der;
    if (X509* leaf = SSL_get0_peer_certificate(ssl.get())) {
      unsigned char* p = nullptr;
      const int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(leaf), &p);
      if (n > 0) der.assign(reinterpret_cast<char*>(p), static_cast<size_t>(n));
      OPENSSL_free(p);
    }
    ERR_clear_error();
    return der;
  };
  const std::string a = leaf_key("a.example"), b = leaf_key("b.example");
  ASSERT_FALSE(a.empty());
  ASSERT_FALSE(b.empty());
  EXPECT_NE(a, b);
}

TEST(TlsAlpnResponderTest, RejectsBadIdentifiers) {
  auto responder = TlsAlpnResponder::create();
  ASSERT_TRUE(responder.has_value());
  auto empty = responder->add("", kKeyAuth);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().kind, ErrorKind::kInvalidArgument);
  auto spaces = responder->add("bad name", kKeyAuth);
  ASSERT_FALSE(spaces.has_value());
  EXPECT_EQ(spaces.error().kind, ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace acmekit::crypto
