// Small helpers shared by the WFE's handler files.
#pragma once

#include <spdlog/spdlog.h>

#include "server/problems.h"
#include "server/wfe/problems.h"
#include "server/wfe/context.h"
#include "server/wfe/jws_auth.h"

namespace acmekit::server::wfe {

// Authenticates ctx's request (§6.2-§6.5) and remembers the account for the log.
inline Result<Authenticated> authenticate_request(Wfe::Context& ctx, KeyRule rule, sa::StorageReader& storage,
                                                  nonce::NonceService& nonces, AccountKeys& keys) {
  AuthParams params{.request_url = ctx.request_url(), .account_url_prefix = ctx.urls.account_prefix(), .rule = rule};
  auto auth = authenticate(ctx.request, params, storage, nonces, keys);
  if (auth && auth->account) ctx.account_id = auth->account->id;
  return auth;
}

// The payload as a JSON object; "{}"-less POST-as-GET is refused here.
inline Result<nlohmann::json> payload_object(const Authenticated& auth) {
  auto j = nlohmann::json::parse(auth.payload, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return malformed("the JWS payload must be a JSON object");
  return j;
}

// §6.3: a POST-as-GET has an empty payload.
inline bool is_post_as_get(const Authenticated& auth) { return auth.payload.empty(); }

// A handler's result as a response; our own failures are logged, and the
// client sees serverInternal without their detail.
inline acmekit::http::Response respond(Result<acmekit::http::Response> result, const Wfe::Context& ctx) {
  if (result) return std::move(*result);
  const int status = http_status(result.error());
  if (status >= 500) spdlog::error("{} {}: {}", ctx.request.method, ctx.request.target, result.error().message());
  return problem_response(result.error(), status);
}

}  // namespace acmekit::server::wfe
