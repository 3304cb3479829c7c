// How a challenge gets answered. One small interface; optional abilities are
// separate interfaces (lego's challenge/resolver does the same).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/wire/enums.h"

namespace acmekit::client::challenge {

// RFC 8555 §9.7.8 challenge types (RFC 8737 tls-alpn-01).
using wire::ChallengeType;

// What a solver needs to answer one challenge.
struct Task {
  // The authorization's identifier value: "example.com", "192.0.2.1", "::1".
  // For a wildcard order name "*.example.com" it is "example.com" and
  // wildcard is set (RFC 8555 §7.1.4).
  std::string identifier;
  bool wildcard = false;
  ChallengeType challenge_type = ChallengeType::kHttp01;
  std::string token;              // RFC 8555 §8.3
  std::string key_authorization;  // token "." thumbprint (RFC 8555 §8.1)
  // dns-01 only (RFC 8555 §8.4): the TXT record to publish,
  // "_acme-challenge.<identifier>" (no trailing dot) and
  // base64url(SHA-256(key_authorization)).
  std::string dns_name;
  std::string dns_value;
  // The batch this task belongs to (every challenge of one order answered
  // by this solver), for hooks that mirror certbot's environment:
  // CERTBOT_REMAINING_CHALLENGES and CERTBOT_ALL_DOMAINS.
  int remaining = 0;                 // tasks presented after this one
  std::string all_identifiers;       // comma-separated, in presentation order
};

class Solver {
 public:
  virtual ~Solver() = default;
  // The challenge type this solver answers.
  virtual ChallengeType type() const = 0;
  // Makes the response available. Called before the challenge is triggered.
  virtual Status present(const Task& task) = 0;
  // Removes what present() created. Always called after present(), also on
  // failure. Must be safe to call when present() failed half-way.
  virtual Status cleanup(const Task& task) = 0;
};

// Optional ability: a solver that answers many tasks in one go, e.g. one
// DNS UPDATE per zone for every dns-01 record of an order. The certifier
// hands such a solver all of its tasks at once instead of one at a time.
class BatchSolver {
 public:
  virtual ~BatchSolver() = default;
  // Like Solver::present for every task; on error, cleanup_all is still
  // called with the same tasks.
  virtual Status present_all(std::span<const Task> tasks) = 0;
  // Like Solver::cleanup for every task; goes on past a failure and returns
  // the first.
  virtual Status cleanup_all(std::span<const Task> tasks) = 0;
};

}  // namespace acmekit::client::challenge
