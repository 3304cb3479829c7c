// One issuance as the load generator drives it: the whole RFC 8555 flow for a
// single new name, through the client core (client/api), answered by the one
// shared http-01 responder.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "client/api/poll.h"
#include "client/api/session.h"
#include "client/challenge/http01_standalone.h"
#include "core/clock.h"
#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::loadgen {

// What a worker shares across its issuances.
struct IssuanceContext {
  client::api::Session& session;  // the worker's own (own connection), account set
  client::challenge::Http01Standalone& http01;  // shared by all workers
  Clock& clock;
  client::api::PollPolicy policy;
  // The account key's JWK (RFC 7517), for key authorizations (RFC 8555
  // §8.1): derived once per worker, not per order.
  nlohmann::json account_jwk;
  // The certificate key every CSR of this worker carries (as certbot
  // --reuse-key): the CA parses and checks each CSR all the same, and the
  // load generator does not spend its CPU making keys the CA never sees.
  crypto::PrivateKey cert_key;
  // Counts finalizations found already under way after a resent finalize
  // (see issue_steps); null: none counted.
  std::atomic<uint64_t>* finalize_recovered = nullptr;
};

// newOrder for `name` → http-01 for each authorization → poll them →
// finalize with a CSR of ctx.cert_key → poll the order → download the
// chain → check that it holds an issuer after the leaf, and that the leaf
// parses, names `name` and carries the CSR's key. Returns the chain (PEM);
// any deviation is an Error naming the step.
Result<std::string> issue_one(IssuanceContext& ctx, const std::string& name);

}  // namespace acmekit::loadgen
