#include "server/wfe/wfe.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "server/problems.h"
#include "server/wfe/context.h"
#include "server/wfe/problems.h"

namespace acmekit::server::wfe {
namespace {

using acmekit::http::Response;

// "/acme/order/ID/finalize" with prefix "/acme/order/" → "ID/finalize".
bool strip_prefix(std::string_view path, std::string_view prefix, std::string& rest) {
  if (!path.starts_with(prefix)) return false;
  rest = std::string(path.substr(prefix.size()));
  return !rest.empty();
}

// A path segment of ours: base64url characters, or hex for certificates.
bool is_id(std::string_view s) {
  return !s.empty() && s.size() <= 128 && s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.") == std::string_view::npos;
}

}  // namespace

Wfe::Wfe(ra::RegistrationAuthority& ra, sa::StorageReader& storage, nonce::NonceService& nonces,
         const ca::Authority& authority, const Clock& clock, WfeOptions options)
    : ra_(ra), storage_(storage), nonces_(nonces), authority_(authority), clock_(clock), options_(std::move(options)) {}

bool Wfe::may_wait(const http::ServerRequest& request) {
  if (request.method != "POST") return false;
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  return path.starts_with("/acme/chall/") || (path.starts_with("/acme/order/") && path.ends_with("/finalize"));
}

Response Wfe::handle(const http::ServerRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  Context ctx{.request = request};
  std::string target = request.target;
  if (auto q = target.find('?'); q != std::string::npos) {
    ctx.path = target.substr(0, q);
    ctx.query = target.substr(q + 1);
  } else {
    ctx.path = target;
  }
  Response response;
  auto host = request.headers.get("host");
  if (!options_.external_url.empty()) {
    // Behind a load balancer: the URLs clients reach, whatever Host the
    // balancer forwards; a JWS "url" must be one of them (§6.4).
    ctx.urls.base = options_.external_url;
    response = route(ctx);
  } else if (!host || host->empty() || host->find_first_of("/ @") != std::string::npos) {
    response = problem_response(acme_problem("malformed", "a valid Host header is required"));
  } else {
    ctx.urls.base = "https://" + *host;
    response = route(ctx);
  }
  // §6.5: every POST answer carries a fresh nonce, errors included (§6.5.1
  // needs it after badNonce); §7.1: Link to the directory.
  if (request.method == "POST" && !response.headers.get("replay-nonce")) {
    response.headers.add("replay-nonce", nonces_.issue());
  }
  if (ctx.endpoint != "directory" && !ctx.urls.base.empty()) {
    response.headers.add("link", "<" + ctx.urls.directory() + ">;rel=\"index\"");
  }
  if (ctx.endpoint != "certificate" && ctx.endpoint != "new-nonce") response.headers.add("cache-control", "no-store");

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    std::lock_guard lock(metrics_mu_);
    ++requests_[{ctx.endpoint, response.status}];
    latency_sum_[ctx.endpoint] += seconds;
  }
  // One access-log line per request.
  spdlog::info("{} {} {} {} acct={} {:.1f}ms", request.remote, request.method, request.target, response.status,
               ctx.account_id.empty() ? "-" : ctx.account_id, seconds * 1000);
  return response;
}

Response Wfe::route(Context& ctx) {
  const auto& method = ctx.request.method;
  const std::string& path = ctx.path;
  std::string rest;
  const bool post = method == "POST";
  auto method_not_allowed = [&](std::string allowed) {
    Response r = problem_response(acme_problem("malformed", "method " + method + " is not allowed here"), 405);
    r.headers.add("allow", std::move(allowed));
    return r;
  };

  if (path == kDirectoryPath) {
    ctx.endpoint = "directory";
    return method == "GET" || method == "HEAD" ? directory(ctx) : method_not_allowed("GET");
  }
  if (path == "/acme/new-nonce") {
    ctx.endpoint = "new-nonce";
    return method == "GET" || method == "HEAD" ? new_nonce(ctx) : method_not_allowed("GET, HEAD");
  }
  if (strip_prefix(path, "/acme/renewal-info/", rest)) {
    ctx.endpoint = "renewal-info";
    return method == "GET" ? renewal_info(ctx, rest) : method_not_allowed("GET");
  }
  // Everything else is POST (§6.3: POST-as-GET for reads).
  auto post_only = [&](auto&& handler) { return post ? handler() : method_not_allowed("POST"); };
  if (path == "/acme/new-account") {
    ctx.endpoint = "new-account";
    return post_only([&] { return new_account(ctx); });
  }
  if (path == "/acme/new-order") {
    ctx.endpoint = "new-order";
    return post_only([&] { return new_order(ctx); });
  }
  if (path == "/acme/new-authz") {
    ctx.endpoint = "new-authz";
    return post_only([&] { return new_authz(ctx); });
  }
  if (path == "/acme/revoke-cert") {
    ctx.endpoint = "revoke-cert";
    return post_only([&] { return revoke_cert(ctx); });
  }
  if (path == "/acme/key-change") {
    ctx.endpoint = "key-change";
    return post_only([&] { return key_change(ctx); });
  }
  if (strip_prefix(path, "/acme/acct/", rest)) {
    if (rest.ends_with("/orders") && is_id(rest.substr(0, rest.size() - 7))) {
      ctx.endpoint = "account-orders";
      return post_only([&] { return account_orders(ctx, rest.substr(0, rest.size() - 7)); });
    }
    if (is_id(rest)) {
      ctx.endpoint = "account";
      return post_only([&] { return account(ctx, rest); });
    }
  }
  if (strip_prefix(path, "/acme/order/", rest)) {
    if (rest.ends_with("/finalize") && is_id(rest.substr(0, rest.size() - 9))) {
      ctx.endpoint = "finalize";
      return post_only([&] { return finalize(ctx, rest.substr(0, rest.size() - 9)); });
    }
    if (is_id(rest)) {
      ctx.endpoint = "order";
      return post_only([&] { return order(ctx, rest); });
    }
  }
  if (strip_prefix(path, "/acme/authz/", rest) && is_id(rest)) {
    ctx.endpoint = "authz";
    return post_only([&] { return authz(ctx, rest); });
  }
  if (strip_prefix(path, "/acme/chall/", rest)) {
    auto slash = rest.find('/');
    if (slash != std::string::npos && is_id(rest.substr(0, slash)) && is_id(rest.substr(slash + 1))) {
      ctx.endpoint = "challenge";
      return post_only([&] { return challenge(ctx, rest.substr(0, slash), rest.substr(slash + 1)); });
    }
  }
  if (strip_prefix(path, "/acme/cert/", rest)) {
    std::size_t chain = 0;
    auto slash = rest.find('/');
    std::string id = rest.substr(0, slash);
    if (slash != std::string::npos) {
      std::string n = rest.substr(slash + 1);
      if (n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string::npos) id.clear();
      else chain = std::stoul(n);
    }
    if (is_id(id)) {
      ctx.endpoint = "certificate";
      return post_only([&] { return certificate(ctx, id, chain); });
    }
  }
  ctx.endpoint = "not-found";
  return problem_response(acme_problem("malformed", "no such resource: " + path), 404);
}

Response Wfe::directory(Context& ctx) {
  const Urls& u = ctx.urls;
  // §7.1.1
  nlohmann::json meta = {{"externalAccountRequired", options_.external_account_required}};
  if (!options_.terms_of_service.empty()) meta["termsOfService"] = options_.terms_of_service;
  if (!options_.website.empty()) meta["website"] = options_.website;
  if (!options_.caa_identities.empty()) meta["caaIdentities"] = options_.caa_identities;
  // draft-ietf-acme-profiles §3: profile name -> description.
  nlohmann::json profiles = nlohmann::json::object();
  for (const auto& p : ra_.profiles().profiles) profiles[p.name] = p.description;
  if (!profiles.empty()) meta["profiles"] = std::move(profiles);
  nlohmann::json dir = {{"newNonce", u.new_nonce()},     {"newAccount", u.new_account()},
                        {"newOrder", u.new_order()},     {"newAuthz", u.new_authz()},
                        {"revokeCert", u.revoke_cert()}, {"keyChange", u.key_change()},
                        {"renewalInfo", u.renewal_info()}, {"meta", meta}};
  return json_response(200, dir);
}

Response Wfe::new_nonce(Context& ctx) {
  // §7.2: HEAD 200, GET 204, Cache-Control: no-store.
  Response r;
  r.status = ctx.request.method == "HEAD" ? 200 : 204;
  r.headers.add("replay-nonce", nonces_.issue());
  r.headers.add("cache-control", "no-store");
  return r;
}

std::string Wfe::metrics_text() const {
  std::string out;
  out += "# HELP acmekit_ca_requests_total HTTP requests by endpoint and status.\n";
  out += "# TYPE acmekit_ca_requests_total counter\n";
  std::lock_guard lock(metrics_mu_);
  for (const auto& [key, n] : requests_) {
    out += fmt::format("acmekit_ca_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, n);
  }
  out += "# HELP acmekit_ca_request_seconds_sum Time spent handling requests by endpoint.\n";
  out += "# TYPE acmekit_ca_request_seconds_sum counter\n";
  for (const auto& [ep, s] : latency_sum_) out += fmt::format("acmekit_ca_request_seconds_sum{{endpoint=\"{}\"}} {:.6f}\n", ep, s);
  out += "# HELP acmekit_ca_certificates_issued_total Certificates issued since start.\n";
  out += "# TYPE acmekit_ca_certificates_issued_total counter\n";
  out += fmt::format("acmekit_ca_certificates_issued_total {}\n", certificates_issued_.load());
  out += "# HELP acmekit_ca_validations_in_flight Challenge validations running now.\n";
  out += "# TYPE acmekit_ca_validations_in_flight gauge\n";
  out += fmt::format("acmekit_ca_validations_in_flight {}\n", ra_.validations_in_flight());
  out += "# HELP acmekit_ca_rate_limited_total Requests refused with rateLimited (429), by limit.\n";
  out += "# TYPE acmekit_ca_rate_limited_total counter\n";
  const auto refused = ra_.rate_limited_counts();
  for (std::size_t i = 0; i < refused.size(); ++i) {
    out += fmt::format("acmekit_ca_rate_limited_total{{limit=\"{}\"}} {}\n", ra::limit_name(static_cast<ra::Limit>(i)),
                       refused[i]);
  }
  return out;
}

}  // namespace acmekit::server::wfe
