#include "client/certifier.h"

#include <algorithm>
#include <set>

#include <spdlog/spdlog.h>

#include "client/api/resources.h"
#include "client/profile_choice.h"
#include "core/crypto/csr.h"
#include "core/test_point.h"
#include "core/jose/jwk.h"
#include "core/wire/json.h"
#include "core/wire/problem.h"

namespace acmekit::client {
namespace {

std::string display_name(const wire::Authorization& authz) {
  return (authz.wildcard ? "*." : "") + authz.identifier.value;
}

// A failed validation as an Error naming the identifier (RFC 8555 §7.1.4:
// the invalid challenge carries the problem).
Error validation_error(const wire::Authorization& authz) {
  for (const auto& c : authz.challenges) {
    if (c.error_json) {
      Error e = wire::parse_embedded_problem(*c.error_json);
      e.kind = ErrorKind::kAcme;
      e.detail = "validation of " + display_name(authz) + " (" + std::string(wire::to_string(c.type)) +
                 ") failed: " + e.detail;
      return e;
    }
  }
  return Error{.kind = ErrorKind::kAcme,
               .detail = "authorization for " + display_name(authz) + " is " + std::string(wire::to_string(authz.status))};
}

// Several names failed: one error, each name a subproblem (RFC 8555 §6.7.1),
// so the user sees every failing name with the CA's problem at once.
Error validation_errors(const std::vector<wire::Authorization>& failed) {
  if (failed.size() == 1) return validation_error(failed.front());
  Error all{.kind = ErrorKind::kAcme,
            .detail = "validation failed for " + std::to_string(failed.size()) + " names"};
  for (const auto& authz : failed) {
    Error e = validation_error(authz);
    if (all.type.empty()) all.type = e.type;
    all.subproblems.push_back({.type = e.type, .detail = e.detail, .identifier_type = authz.identifier.type,
                               .identifier_value = display_name(authz)});
  }
  return all;
}

// After the first failure the order is lost (RFC 8555 §7.1.6); the other
// names still get this long to report, so one run names every bad name.
constexpr std::chrono::seconds kGraceAfterFailure{10};

}  // namespace

Status Certifier::authorize(const std::vector<std::string>& authz_urls) {
  const auto jwk = session_.account_key()->public_key().to_jwk();
  struct Pending {
    wire::Authorization authz;
    challenge::Solver* solver = nullptr;
    challenge::Task task;
    std::string challenge_url;  // the chosen challenge in authz
    bool attempted = false;     // present() was called (cleanup is due)
    bool done = false;
  };
  std::vector<Pending> pending;
  for (const auto& url : authz_urls) {
    ACMEKIT_TRY(auto authz, api::get_authorization(session_, url));
    if (authz.status == wire::AcmeStatus::kValid) {
      spdlog::info("{}: already authorized", display_name(authz));
      continue;
    }
    if (authz.status != wire::AcmeStatus::kPending) return std::unexpected(validation_error(authz));
    const auto choice = solvers_.choose(authz);
    if (!choice.solver) {
      std::string offered;
      for (const auto& c : authz.challenges) offered += (offered.empty() ? "" : ", ") + std::string(wire::to_string(c.type));
      std::string hint;
      if (authz.wildcard) hint = "; a wildcard name needs dns-01 (--dns-rfc2136 or --manual)";
      return make_error(ErrorKind::kInvalidArgument,
                        "the CA offers no challenge acmekit is set up to answer for " + display_name(authz) +
                            " (offered: " + offered + "; set up: " + solvers_.types() + ")" + hint);
    }
    challenge::Task task{.identifier = authz.identifier.value,
                         .wildcard = authz.wildcard,
                         .challenge_type = choice.challenge->type,
                         .token = choice.challenge->token,
                         .key_authorization = jose::key_authorization(choice.challenge->token, jwk)};
    if (task.challenge_type == wire::ChallengeType::kDns01) {
      // RFC 8555 §8.4: the TXT record at _acme-challenge.<identifier>.
      task.dns_name = "_acme-challenge." + task.identifier;
      task.dns_value = jose::dns01_txt_value(task.key_authorization);
    }
    std::string challenge_url = choice.challenge->url;
    pending.push_back({.authz = std::move(authz), .solver = choice.solver, .task = std::move(task),
                       .challenge_url = std::move(challenge_url)});
  }
  // Each solver's batch, for hooks (CERTBOT_REMAINING_CHALLENGES, CERTBOT_ALL_DOMAINS).
  for (auto& p : pending) {
    for (const auto& q : pending) {
      if (q.solver != p.solver) continue;
      p.task.all_identifiers += (p.task.all_identifiers.empty() ? "" : ",") + q.task.identifier;
      if (&q > &p) ++p.task.remaining;
    }
  }

  // Present every response, wait until the DNS records are visible, tell
  // the CA about all of them, then poll them together: the CA validates all
  // names of the order concurrently. Cleanup runs whatever happened.
  auto run = [&]() -> Status {
    for (auto& p : pending) {
      if (p.attempted) continue;  // presented with its solver's batch
      if (auto* batch = dynamic_cast<challenge::BatchSolver*>(p.solver)) {
        std::vector<challenge::Task> tasks;
        std::string names;
        for (auto& q : pending) {
          if (q.solver != p.solver) continue;
          q.attempted = true;
          tasks.push_back(q.task);
          names += (names.empty() ? "" : ", ") + display_name(q.authz);
        }
        spdlog::info("{}: presenting {}", names, p.task.challenge_type);
        auto r = batch->present_all(tasks);
        if (!r) return std::unexpected(std::move(r).error().with_context("presenting " + wire::to_string(p.task.challenge_type) + " for " + names));
        continue;
      }
      p.attempted = true;
      spdlog::info("{}: presenting {}", display_name(p.authz), p.task.challenge_type);
      auto r = p.solver->present(p.task);
      if (!r) return std::unexpected(std::move(r).error().with_context("presenting " + wire::to_string(p.task.challenge_type) + " for " + display_name(p.authz)));
    }
    std::vector<challenge::Task> dns_tasks;
    for (const auto& p : pending) {
      if (p.task.challenge_type == wire::ChallengeType::kDns01) dns_tasks.push_back(p.task);
    }
    if (!dns_tasks.empty() && solvers_.propagation_wait()) {
      ACMEKIT_CHECK(solvers_.propagation_wait()->wait_visible(dns_tasks));
    }
    for (auto& p : pending) {
      spdlog::info("{}: asking the CA to validate {}", display_name(p.authz), p.task.challenge_type);
      auto r = api::respond_challenge(session_, p.challenge_url);
      if (!r) return std::unexpected(std::move(r).error().with_context("answering the challenge for " + display_name(p.authz)));
      // §7.1.6: a valid challenge makes its authorization valid. A CA that
      // validates before it answers (step-ca, acmekit-ca) leaves nothing to poll.
      if (r->status == wire::AcmeStatus::kValid) {
        spdlog::info("{}: validated", display_name(p.authz));
        p.authz.status = wire::AcmeStatus::kValid;
        p.done = true;
      }
    }
    std::vector<wire::Authorization> failed;
    std::optional<std::chrono::system_clock::time_point> first_failure;
    const Status polled = api::poll_until(
        clock_, policy_, "the authorizations to be validated", [&]() -> Result<api::PollStep> {
          std::optional<std::chrono::seconds> retry_after;
          bool all_done = true;
          for (auto& p : pending) {
            if (p.done) continue;
            std::optional<std::chrono::seconds> ra;
            ACMEKIT_TRY(auto latest, api::get_authorization(session_, p.authz.url, &ra));
            if (latest.status == wire::AcmeStatus::kPending) {
              all_done = false;
              if (ra && (!retry_after || *ra < *retry_after)) retry_after = ra;
              continue;
            }
            p.done = true;
            p.authz = std::move(latest);
            if (p.authz.status == wire::AcmeStatus::kValid) {
              spdlog::info("{}: validated", display_name(p.authz));
            } else {
              spdlog::error("{}: {}", display_name(p.authz), validation_error(p.authz).message());
              failed.push_back(p.authz);
              if (!first_failure) first_failure = clock_.now();
            }
          }
          if (first_failure && clock_.now() - *first_failure >= kGraceAfterFailure) all_done = true;
          return api::PollStep{.done = all_done, .retry_after = retry_after};
        });
    if (!failed.empty()) return std::unexpected(validation_errors(failed));
    return polled;
  };
  Status result = run();
  std::set<challenge::Solver*> cleaned;  // batch solvers, cleaned up once for all their tasks
  for (auto& p : pending) {
    if (!p.attempted || cleaned.contains(p.solver)) continue;
    if (auto* batch = dynamic_cast<challenge::BatchSolver*>(p.solver)) {
      cleaned.insert(p.solver);
      std::vector<challenge::Task> tasks;
      for (const auto& q : pending) {
        if (q.solver == p.solver && q.attempted) tasks.push_back(q.task);
      }
      if (auto c = batch->cleanup_all(tasks); !c) spdlog::warn("cleanup failed: {}", c.error().message());
      continue;
    }
    if (auto c = p.solver->cleanup(p.task); !c) {
      spdlog::warn("cleanup for {} failed: {}", display_name(p.authz), c.error().message());
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

  // draft-ietf-acme-profiles §3/§4: decided before anything is ordered.
  ACMEKIT_TRY(const std::string profile, choose_profile(session_.directory().meta, session_.directory_url(),
                                                        request.preferred_profile, request.required_profile));
  spdlog::info("creating an order for {} name(s){}", ids.size(), profile.empty() ? "" : " with profile " + profile);
  // RFC 9773 §5: "replaces" only to a CA that advertises renewalInfo.
  const std::string replaces = session_.directory().renewal_info.empty() ? "" : request.replaces;
  auto order_r = api::new_order(session_, ids, replaces, profile);
  if (!order_r && !replaces.empty() && order_r.error().is_acme("alreadyReplaced")) {
    // RFC 9773 §5: the CA already holds a replacement for it (e.g. an
    // earlier renewal that was not installed); order without the link.
    spdlog::info("the CA says certificate {} is already replaced; ordering without \"replaces\"", replaces);
    order_r = api::new_order(session_, ids, {}, profile);
  }
  if (!order_r) return std::unexpected(std::move(order_r).error().with_context("creating the order"));
  wire::Order order = std::move(*order_r);
  // draft-ietf-acme-profiles §4: the CA names the profile it chose.
  spdlog::info("order {}: profile {}", order.url, order.profile.empty() ? "(none named by the CA)" : order.profile);

  if (order.status == wire::AcmeStatus::kPending) ACMEKIT_CHECK(authorize(order.authorizations));

  // RFC 8555 §7.4: wait for "ready" once every authorization is valid.
  ACMEKIT_CHECK(api::poll_until(clock_, policy_, "the order to become ready", [&]() -> Result<api::PollStep> {
    std::optional<std::chrono::seconds> ra;
    if (order.status != wire::AcmeStatus::kPending) return api::PollStep{.done = true};
    ACMEKIT_TRY(order, api::get_order(session_, order.url, &ra));
    return api::PollStep{.done = order.status != wire::AcmeStatus::kPending, .retry_after = ra};
  }));
  if (order.status == wire::AcmeStatus::kInvalid) {
    if (order.error_json) return std::unexpected(wire::parse_embedded_problem(*order.error_json));
    return make_error(ErrorKind::kAcme, "the order became invalid");
  }

  Issued issued;
  issued.order_url = order.url;
  issued.profile = order.profile;
  std::string csr_der;
  if (request.csr_der) {
    csr_der = *request.csr_der;
  } else {
    const auto& old_key = request.reuse_key;
    const bool reuse = old_key && old_key->algorithm() == request.key_spec.algorithm &&
                       (old_key->algorithm() != crypto::KeyAlgorithm::kRsa || old_key->bits() == request.key_spec.rsa_bits);
    if (old_key && !reuse) {
      spdlog::info("the current key is {}, the lineage asks for another type: generating a new key",
                   old_key->public_key().description());
    }
    spdlog::info(reuse ? "reusing the certificate key (--reuse-key)" : "generating the certificate key");
    crypto::PrivateKey key;
    if (reuse) {
      key = *old_key;
    } else {
      ACMEKIT_TRY(key, crypto::PrivateKey::generate(request.key_spec));
    }
    std::vector<std::string> names;
    for (const auto& id : ids) names.push_back(id.value);
    ACMEKIT_TRY(csr_der, crypto::make_csr_der(key, names));
    issued.key = std::move(key);
    test_point("after-key");
  }

  if (order.status == wire::AcmeStatus::kReady) {
    spdlog::info("finalizing the order");
    auto fin = api::finalize_order(session_, order, csr_der);
    if (!fin) return std::unexpected(std::move(fin).error().with_context("finalizing the order"));
    order = std::move(*fin);
  }
  ACMEKIT_CHECK(api::poll_until(clock_, policy_, "the certificate to be issued", [&]() -> Result<api::PollStep> {
    if (order.status != wire::AcmeStatus::kProcessing) return api::PollStep{.done = true};
    std::optional<std::chrono::seconds> ra;
    ACMEKIT_TRY(order, api::get_order(session_, order.url, &ra));
    return api::PollStep{.done = order.status != wire::AcmeStatus::kProcessing, .retry_after = ra};
  }));
  if (order.status != wire::AcmeStatus::kValid || order.certificate.empty()) {
    if (order.error_json) return std::unexpected(wire::parse_embedded_problem(*order.error_json));
    return make_error(ErrorKind::kAcme,
                      "the order ended " + std::string(wire::to_string(order.status)) + " without a certificate");
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
