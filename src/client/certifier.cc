#include "client/certifier.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "core/crypto/csr.h"
#include "core/test_point.h"
#include "core/jose/jwk.h"
#include "core/wire/json.h"
#include "core/wire/problem.h"

namespace acmekit::client {
namespace {

// A failed validation as an Error naming the identifier (RFC 8555 §7.1.4:
// the invalid challenge carries the problem).
Error validation_error(const wire::Authorization& authz) {
  for (const auto& c : authz.challenges) {
    if (c.error_json) {
      Error e = wire::parse_embedded_problem(*c.error_json);
      e.kind = ErrorKind::kAcme;
      e.detail = "validation of " + authz.identifier.value + " (" + c.type + ") failed: " + e.detail;
      return e;
    }
  }
  return Error{.kind = ErrorKind::kAcme,
               .detail = "authorization for " + authz.identifier.value + " is " + authz.status};
}

}  // namespace

Status Certifier::authorize(const std::vector<std::string>& authz_urls) {
  const auto jwk = session_.account_key()->public_key().to_jwk();
  struct Pending {
    wire::Authorization authz;
    challenge::Task task;
    std::string challenge_url;  // the solver's challenge in authz
    bool presented = false;
  };
  std::vector<Pending> pending;
  for (const auto& url : authz_urls) {
    ACMEKIT_TRY(auto authz, api::get_authorization(session_, url));
    if (authz.status == "valid") {
      spdlog::info("{}: already authorized", authz.identifier.value);
      continue;
    }
    if (authz.status != "pending") return std::unexpected(validation_error(authz));
    auto ch = std::find_if(authz.challenges.begin(), authz.challenges.end(),
                           [&](const wire::Challenge& c) { return c.type == solver_.type(); });
    if (ch == authz.challenges.end()) {
      std::string offered;
      for (const auto& c : authz.challenges) offered += (offered.empty() ? "" : ", ") + c.type;
      return make_error(ErrorKind::kAcme, "the CA offers no " + solver_.type() + " challenge for " +
                                              authz.identifier.value + " (offered: " + offered + ")");
    }
    challenge::Task task{.identifier = authz.identifier.value,
                         .challenge_type = ch->type,
                         .token = ch->token,
                         .key_authorization = jose::key_authorization(ch->token, jwk)};
    std::string challenge_url = ch->url;
    pending.push_back({std::move(authz), std::move(task), std::move(challenge_url)});
  }

  // Present every response, tell the CA, then poll: the CA validates all
  // names of the order concurrently. Cleanup runs whatever happened.
  auto run = [&]() -> Status {
    for (auto& p : pending) {
      ACMEKIT_CHECK(solver_.present(p.task));
      p.presented = true;
    }
    for (auto& p : pending) {
      spdlog::info("{}: asking the CA to validate {}", p.task.identifier, p.task.challenge_type);
      auto r = api::respond_challenge(session_, p.challenge_url);
      if (!r) return std::unexpected(std::move(r).error().with_context("answering the challenge for " + p.task.identifier));
    }
    for (auto& p : pending) {
      wire::Authorization latest;
      ACMEKIT_CHECK(api::poll_until(clock_, policy_, "the authorization of " + p.task.identifier,
                                    [&]() -> Result<api::PollStep> {
                                      std::optional<std::chrono::seconds> ra;
                                      ACMEKIT_TRY(latest, api::get_authorization(session_, p.authz.url, &ra));
                                      return api::PollStep{.done = latest.status != "pending", .retry_after = ra};
                                    }));
      if (latest.status != "valid") return std::unexpected(validation_error(latest));
      spdlog::info("{}: validated", p.task.identifier);
    }
    return {};
  };
  Status result = run();
  for (auto& p : pending) {
    if (!p.presented) continue;
    if (auto c = solver_.cleanup(p.task); !c) {
      spdlog::warn("cleanup for {} failed: {}", p.task.identifier, c.error().message());
    }
  }
  return result;
}

Result<std::string> Certifier::choose_chain(const std::string& default_pem,
                                            const std::vector<std::string>& alternates,
                                            const std::string& preferred) {
  if (preferred.empty()) return default_pem;
  auto top_issuer_matches = [&](const std::string& pem) {
    auto certs = crypto::parse_pem_chain(pem);
    return certs && !certs->empty() && certs->back().issuer_cn == preferred;
  };
  if (top_issuer_matches(default_pem)) return default_pem;
  for (const auto& url : alternates) {
    auto alt = api::download_certificate(session_, url);
    if (!alt) {
      spdlog::warn("could not fetch alternate chain {}: {}", url, alt.error().message());
      continue;
    }
    if (top_issuer_matches(alt->pem)) {
      spdlog::info("using the alternate chain issued by \"{}\"", preferred);
      return alt->pem;
    }
  }
  spdlog::warn("no chain issued by \"{}\"; using the default chain", preferred);
  return default_pem;
}

Result<Issued> Certifier::obtain(const ObtainRequest& request) {
  std::vector<wire::Identifier> ids;
  for (const auto& n : request.names) {
    auto id = wire::identifier_for(n);
    if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(std::move(id));
  }
  if (ids.empty()) return make_error(ErrorKind::kInvalidArgument, "no names to certify");

  spdlog::info("creating an order for {} name(s)", ids.size());
  auto order_r = api::new_order(session_, ids);
  if (!order_r) return std::unexpected(std::move(order_r).error().with_context("creating the order"));
  wire::Order order = std::move(*order_r);

  if (order.status == "pending") ACMEKIT_CHECK(authorize(order.authorizations));

  // RFC 8555 §7.4: wait for "ready" once every authorization is valid.
  ACMEKIT_CHECK(api::poll_until(clock_, policy_, "the order to become ready", [&]() -> Result<api::PollStep> {
    std::optional<std::chrono::seconds> ra;
    if (order.status != "pending") return api::PollStep{.done = true};
    ACMEKIT_TRY(order, api::get_order(session_, order.url, &ra));
    return api::PollStep{.done = order.status != "pending", .retry_after = ra};
  }));
  if (order.status == "invalid") {
    if (order.error_json) return std::unexpected(wire::parse_embedded_problem(*order.error_json));
    return make_error(ErrorKind::kAcme, "the order became invalid");
  }

  Issued issued;
  issued.order_url = order.url;
  std::string csr_der;
  if (request.csr_der) {
    csr_der = *request.csr_der;
  } else {
    spdlog::info("generating the certificate key");
    ACMEKIT_TRY(auto key, crypto::PrivateKey::generate(request.key_spec));
    std::vector<std::string> names;
    for (const auto& id : ids) names.push_back(id.value);
    ACMEKIT_TRY(csr_der, crypto::make_csr_der(key, names));
    issued.key = std::move(key);
    test_point("after-key");
  }

  if (order.status == "ready") {
    spdlog::info("finalizing the order");
    auto fin = api::finalize_order(session_, order, csr_der);
    if (!fin) return std::unexpected(std::move(fin).error().with_context("finalizing the order"));
    order = std::move(*fin);
  }
  ACMEKIT_CHECK(api::poll_until(clock_, policy_, "the certificate to be issued", [&]() -> Result<api::PollStep> {
    if (order.status != "processing") return api::PollStep{.done = true};
    std::optional<std::chrono::seconds> ra;
    ACMEKIT_TRY(order, api::get_order(session_, order.url, &ra));
    return api::PollStep{.done = order.status != "processing", .retry_after = ra};
  }));
  if (order.status != "valid" || order.certificate.empty()) {
    if (order.error_json) return std::unexpected(wire::parse_embedded_problem(*order.error_json));
    return make_error(ErrorKind::kAcme, "the order ended " + order.status + " without a certificate");
  }

  test_point("after-finalize");
  spdlog::info("downloading the certificate");
  ACMEKIT_TRY(auto chain, api::download_certificate(session_, order.certificate));
  ACMEKIT_TRY(auto pem, choose_chain(chain.pem, chain.alternates, request.preferred_chain));
  ACMEKIT_TRY(auto certs, crypto::parse_pem_chain(pem));
  issued.leaf = certs.front();

  // Check what we got before anybody installs it: the key and the names.
  if (issued.key && !(issued.leaf.public_key == issued.key->public_key())) {
    return make_error(ErrorKind::kProtocol, "the CA issued a certificate for another key");
  }
  std::set<std::string> want, got;
  for (const auto& id : ids) want.insert(id.value);
  for (const auto& n : issued.leaf.dns_names) got.insert(n);
  for (const auto& n : issued.leaf.ip_addresses) got.insert(n);
  for (const auto& w : want) {
    if (!got.contains(w)) return make_error(ErrorKind::kProtocol, "the issued certificate does not cover " + w);
  }

  issued.cert_pem = certs.front().pem;
  for (size_t i = 1; i < certs.size(); ++i) issued.chain_pem += certs[i].pem;
  issued.fullchain_pem = issued.cert_pem + issued.chain_pem;
  return issued;
}

}  // namespace acmekit::client
