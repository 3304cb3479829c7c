// How a challenge gets answered. One small interface; optional abilities are
// separate interfaces (lego's challenge/resolver does the same).
#pragma once

#include <string>

#include "core/error.h"

namespace acmekit::client::challenge {

// What a solver needs to answer one challenge.
struct Task {
  std::string identifier;         // "example.com" or "192.0.2.1"
  std::string challenge_type;     // "http-01"
  std::string token;              // RFC 8555 §8.3
  std::string key_authorization;  // token "." thumbprint (RFC 8555 §8.1)
};

class Solver {
 public:
  virtual ~Solver() = default;
  // The challenge type this solver answers, e.g. "http-01".
  virtual std::string type() const = 0;
  // Makes the response available. Called before the challenge is triggered.
  virtual Status present(const Task& task) = 0;
  // Removes what present() created. Always called after present(), also on
  // failure. Must be safe to call when present() failed half-way.
  virtual Status cleanup(const Task& task) = 0;
};

}  // namespace acmekit::client::challenge
