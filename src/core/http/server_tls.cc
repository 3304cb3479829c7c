#include "core/http/server_tls.h"

#include <utility>

namespace acmekit::http {

Result<boost::asio::ssl::context> make_tls_context(const std::string& chain_pem,
                                                   const std::string& key_pem,
                                                   const std::string& client_ca_pem) {
  namespace ssl = boost::asio::ssl;
  ssl::context context(ssl::context::tls_server);
  boost::system::error_code ec;
  // RFC 8555 §6.1: ACME runs over HTTPS; TLS 1.0 and 1.1 are deprecated (RFC 8996).
  context.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                          ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                          ssl::context::no_tlsv1_1 | ssl::context::single_dh_use,
                      ec);
  if (ec) return make_error(ErrorKind::kCrypto, "TLS options: " + ec.message());
  context.use_certificate_chain(boost::asio::buffer(chain_pem), ec);
  if (ec) return make_error(ErrorKind::kInvalidArgument, "TLS certificate chain: " + ec.message());
  context.use_private_key(boost::asio::buffer(key_pem), ssl::context::pem, ec);
  if (ec) return make_error(ErrorKind::kInvalidArgument, "TLS private key: " + ec.message());
  if (!client_ca_pem.empty()) {
    // RFC 8446 §4.3.2 / RFC 5246 §7.4.4: ask for a client certificate and
    // refuse the handshake without a valid one.
    context.add_certificate_authority(boost::asio::buffer(client_ca_pem), ec);
    if (ec) return make_error(ErrorKind::kInvalidArgument, "TLS client CA: " + ec.message());
    context.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert, ec);
    if (ec) return make_error(ErrorKind::kCrypto, "TLS verify mode: " + ec.message());
  }
  return context;
}

}  // namespace acmekit::http
