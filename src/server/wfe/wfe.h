// Web front end: the only part of the CA that speaks HTTP, JWS and
// problem+json (Pebble's wfe/, Boulder's wfe2/). One named handler per
// endpoint, all listed in `route()`. Each request is authenticated here
// (RFC 8555 §6.2-§6.5) and handed to the RA as plain values.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/http/client.h"
#include "server/ca/authority.h"
#include "core/http/server.h"
#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"
#include "server/sa/storage.h"
#include "server/wfe/account_keys.h"

namespace acmekit::server::wfe {

// Directory "meta" (RFC 8555 §7.1.1) and request handling knobs.
struct WfeOptions {
  std::string terms_of_service;  // URL; when set, newAccount needs termsOfServiceAgreed
  std::string website;
  std::vector<std::string> caa_identities;
  bool external_account_required = false;
  // Retry-After seconds on authorizations and challenges being validated
  // (§7.5.1); 0 sends none.
  int retry_after_seconds = 1;
  std::size_t orders_page_size = 100;  // §7.1.2.1
  // "https://HOST[:PORT]", no trailing slash (ca_cli::parse_external_url):
  // the base of every URL the WFE writes and of the request URL a JWS "url"
  // must equal (§6.4), whatever the request's Host. Empty: https:// + Host.
  std::string external_url;
};

// Paths, relative to the base URL: external_url, else https://HOST (the
// Host of the request).
inline constexpr std::string_view kDirectoryPath = "/directory";

class Wfe {
 public:
  Wfe(ra::RegistrationAuthority& ra, sa::StorageReader& storage, nonce::NonceService& nonces,
      const ca::Authority& authority, const Clock& clock, WfeOptions options);

  // The whole request → response function the HTTP server calls.
  acmekit::http::Response handle(const http::ServerRequest& request);
  // Whether answering `request` may wait long: a challenge's answer waits
  // for its validation (RaOptions::validation_wait), a finalization may
  // look CAA up again (DNS). The listener answers these on its handler
  // pool and the rest on the I/O thread (http::ServerOptions::run_inline).
  static bool may_wait(const http::ServerRequest& request);

  // Prometheus text exposition of the request counters.
  std::string metrics_text() const;

  struct Context;  // one request being handled (context.h)

 private:
  acmekit::http::Response route(Context& ctx);

  // One handler per endpoint (§7.1 resources).
  acmekit::http::Response directory(Context& ctx);
  acmekit::http::Response new_nonce(Context& ctx);
  acmekit::http::Response new_account(Context& ctx);
  acmekit::http::Response account(Context& ctx, const std::string& id);
  acmekit::http::Response account_orders(Context& ctx, const std::string& id);
  acmekit::http::Response key_change(Context& ctx);
  acmekit::http::Response new_order(Context& ctx);
  acmekit::http::Response new_authz(Context& ctx);
  acmekit::http::Response order(Context& ctx, const std::string& id);
  acmekit::http::Response finalize(Context& ctx, const std::string& id);
  acmekit::http::Response authz(Context& ctx, const std::string& id);
  acmekit::http::Response challenge(Context& ctx, const std::string& authz_id, const std::string& type);
  acmekit::http::Response certificate(Context& ctx, const std::string& id, std::size_t chain);
  acmekit::http::Response revoke_cert(Context& ctx);
  acmekit::http::Response renewal_info(Context& ctx, const std::string& cert_id);

  ra::RegistrationAuthority& ra_;
  sa::StorageReader& storage_;
  nonce::NonceService& nonces_;
  AccountKeys account_keys_;  // parsed "kid" account keys (§6.2)
  const ca::Authority& authority_;
  const Clock& clock_;
  WfeOptions options_;

  mutable std::mutex metrics_mu_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;  // (endpoint, status) → count
  std::map<std::string, double> latency_sum_;                       // endpoint → seconds
  std::atomic<std::uint64_t> certificates_issued_{0};
};

}  // namespace acmekit::server::wfe
