// The listener's TLS settings: a server context with the configured
// certificate chain and key, TLS 1.2 and later only; with client_ca_pem,
// mutual TLS: every client must present a certificate that chains to one of
// those CAs (OpenSSL's "ssl_client" purpose: EKU clientAuth if it has an EKU).
#pragma once

#include <string>

#include <boost/asio/ssl/context.hpp>

#include "core/error.h"

namespace acmekit::http {

// chain_pem: the leaf first, then its intermediates. kInvalidArgument when
// either PEM is unusable or the key does not match the leaf.
Result<boost::asio::ssl::context> make_tls_context(const std::string& chain_pem,
                                                   const std::string& key_pem,
                                                   const std::string& client_ca_pem = {});

}  // namespace acmekit::http
