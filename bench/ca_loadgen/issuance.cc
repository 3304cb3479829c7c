#include "issuance.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "client/api/resources.h"
#include "core/crypto/certificate.h"
#include "core/crypto/csr.h"
#include "core/crypto/key.h"
#include "core/jose/jwk.h"
#include "core/wire/json.h"

namespace acmekit::loadgen {
namespace {

using client::api::PollStep;
using client::challenge::Task;

std::string problem_or(const std::optional<std::string>& error_json, const std::string& fallback) {
  return error_json ? fallback + ": " + *error_json : fallback;
}

// RFC 8555 §7.5.1: answer every pending authorization's http-01 challenge,
// then poll each until it leaves "pending". The tokens stay presented until
// every authorization is decided.
Status authorize(IssuanceContext& ctx, const std::vector<std::string>& authz_urls,
                 std::vector<Task>& presented) {
  std::vector<std::string> pending_urls;
  for (const auto& url : authz_urls) {
    ACMEKIT_TRY(auto authz, client::api::get_authorization(ctx.session, url));
    if (authz.status == wire::AcmeStatus::kValid) continue;
    if (authz.status != wire::AcmeStatus::kPending) {
      return make_error(ErrorKind::kAcme, "authorization for " + authz.identifier.value + " is " + wire::to_string(authz.status));
    }
    auto ch = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                           [](const wire::Challenge& c) { return c.type == wire::ChallengeType::kHttp01; });
    if (ch == authz.challenges.end()) {
      return make_error(ErrorKind::kAcme, "no http-01 challenge for " + authz.identifier.value);
    }
    Task task{.identifier = authz.identifier.value,
              .challenge_type = ch->type,
              .token = ch->token,
              .key_authorization = jose::key_authorization(ch->token, ctx.account_jwk)};
    ACMEKIT_CHECK(ctx.http01.present(task));
    presented.push_back(std::move(task));
    ACMEKIT_TRY(auto answered, client::api::respond_challenge(ctx.session, ch->url));
    // §7.1.6: a valid challenge is a valid authorization; nothing to poll.
    if (answered.status != wire::AcmeStatus::kValid) pending_urls.push_back(url);
  }
  for (const auto& url : pending_urls) {
    wire::Authorization latest;
    ACMEKIT_CHECK(client::api::poll_until(ctx.clock, ctx.policy, "authorization " + url,
                                          [&]() -> Result<PollStep> {
                                            std::optional<std::chrono::seconds> ra;
                                            ACMEKIT_TRY(latest, client::api::get_authorization(ctx.session, url, &ra));
                                            return PollStep{.done = latest.status != wire::AcmeStatus::kPending, .retry_after = ra};
                                          }));
    if (latest.status != wire::AcmeStatus::kValid) {
      std::optional<std::string> problem;
      for (const auto& c : latest.challenges) {
        if (c.error_json) problem = c.error_json;
      }
      return make_error(ErrorKind::kAcme, problem_or(problem, "authorization for " + latest.identifier.value +
                                                                  " ended " + wire::to_string(latest.status)));
    }
  }
  return {};
}

// RFC 8555 §7.4: poll the order while it is in `from`.
Status poll_order_while(IssuanceContext& ctx, wire::Order& order, wire::AcmeStatus from) {
  return client::api::poll_until(ctx.clock, ctx.policy, "order " + order.url + " (" + wire::to_string(from) + ")",
                                 [&]() -> Result<PollStep> {
                                   if (order.status != from) return PollStep{.done = true};
                                   std::optional<std::chrono::seconds> ra;
                                   ACMEKIT_TRY(order, client::api::get_order(ctx.session, order.url, &ra));
                                   return PollStep{.done = order.status != from, .retry_after = ra};
                                 });
}

Result<std::string> issue_steps(IssuanceContext& ctx, const std::string& name, std::vector<Task>& presented) {
  auto order_r = client::api::new_order(ctx.session, {wire::identifier_for(name)});
  if (!order_r) return std::unexpected(std::move(order_r).error().with_context("newOrder"));
  wire::Order order = std::move(*order_r);

  if (order.status == wire::AcmeStatus::kPending) {
    if (auto a = authorize(ctx, order.authorizations, presented); !a) {
      return std::unexpected(std::move(a).error().with_context("authorizing " + name));
    }
    // Every authorization is valid, so the order is ready (RFC 8555
    // §7.1.6): finalize at once, as certbot and lego do, without fetching
    // the order first. A CA that has not caught up answers orderNotReady,
    // handled below.
  } else if (order.status != wire::AcmeStatus::kReady) {
    return make_error(ErrorKind::kAcme, problem_or(order.error_json, "new order is " + wire::to_string(order.status)));
  }

  ACMEKIT_TRY(auto csr, crypto::make_csr_der(ctx.cert_key, {name}));
  auto fin = client::api::finalize_order(ctx.session, order, csr);
  if (!fin && fin.error().is_acme("orderNotReady")) {
    auto now = client::api::get_order(ctx.session, order.url);
    if (now && (now->status == wire::AcmeStatus::kProcessing || now->status == wire::AcmeStatus::kValid)) {
      // A finalize resent after its connection died (RetryingClient)
      // finds the order past "ready" when the first copy reached the CA:
      // this order is this worker's alone, so it is our finalization;
      // follow it (the leaf's key is checked against ours below).
      if (ctx.finalize_recovered != nullptr) ctx.finalize_recovered->fetch_add(1, std::memory_order_relaxed);
      fin = std::move(*now);
    } else if (now) {
      // Not ready yet: wait for it, then finalize once more.
      order = std::move(*now);
      ACMEKIT_CHECK(poll_order_while(ctx, order, wire::AcmeStatus::kPending));
      if (order.status != wire::AcmeStatus::kReady) {
        return make_error(ErrorKind::kAcme, problem_or(order.error_json, "order ended " + wire::to_string(order.status) + " before finalize"));
      }
      fin = client::api::finalize_order(ctx.session, order, csr);
    }
  }
  if (!fin) return std::unexpected(std::move(fin).error().with_context("finalize"));
  order = std::move(*fin);
  ACMEKIT_CHECK(poll_order_while(ctx, order, wire::AcmeStatus::kProcessing));
  if (order.status != wire::AcmeStatus::kValid || order.certificate.empty()) {
    return make_error(ErrorKind::kAcme, problem_or(order.error_json, "order ended " + wire::to_string(order.status) + " without a certificate"));
  }

  auto chain_r = client::api::download_certificate(ctx.session, order.certificate);
  if (!chain_r) return std::unexpected(std::move(chain_r).error().with_context("certificate download"));
  // RFC 8555 §9.1: the leaf first, then its issuer. Only the leaf is
  // parsed (the issuer is the same every time; the tests check chains).
  const std::string_view pem = chain_r->pem;
  const auto issuer_at = pem.find("-----BEGIN CERTIFICATE-----", pem.find("-----END CERTIFICATE-----"));
  if (issuer_at == std::string_view::npos) {
    return make_error(ErrorKind::kProtocol, "the chain of " + name + " has no issuer");
  }
  auto certs = crypto::parse_pem_chain(pem.substr(0, issuer_at));
  if (!certs) return std::unexpected(std::move(certs).error().with_context("the chain of " + name));
  const auto& leaf = certs->front();
  if (std::find(leaf.dns_names.begin(), leaf.dns_names.end(), name) == leaf.dns_names.end()) {
    return make_error(ErrorKind::kProtocol, "the certificate for " + name + " does not name it");
  }
  if (!(leaf.public_key == ctx.cert_key.public_key())) {  // public_key() is kept with the key
    return make_error(ErrorKind::kProtocol, "the certificate for " + name + " carries another key");
  }
  return std::move(chain_r->pem);
}

}  // namespace

Result<std::string> issue_one(IssuanceContext& ctx, const std::string& name) {
  std::vector<Task> presented;
  Result<std::string> result = issue_steps(ctx, name, presented);
  for (const auto& t : presented) (void)ctx.http01.cleanup(t);  // never fails for a known token
  return result;
}

}  // namespace acmekit::loadgen
