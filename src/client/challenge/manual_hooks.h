// --manual with --manual-auth-hook / --manual-cleanup-hook: the user's own
// commands publish and remove the response (http-01 files on another host,
// dns-01 records through a DNS provider's API). Existing certbot hook scripts
// work unchanged: they get certbot's environment, and the data travels only
// in the environment, never in the command string.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "client/challenge/solver.h"

namespace acmekit::client::challenge {

class ManualHookSolver : public Solver {
 public:
  // type: http-01 or dns-01. auth_hook is required; cleanup_hook may be "".
  ManualHookSolver(ChallengeType type, std::string auth_hook, std::string cleanup_hook);

  ChallengeType type() const override { return type_; }
  // Runs the auth hook (/bin/sh -c) with
  //   CERTBOT_DOMAIN                the identifier ("example.com" also for "*.example.com")
  //   CERTBOT_VALIDATION            http-01: the key authorization (the file's content);
  //                                 dns-01: the TXT value
  //   CERTBOT_TOKEN                 http-01 only: the file name under /.well-known/acme-challenge/
  //   CERTBOT_REMAINING_CHALLENGES  how many challenges come after this one
  //   CERTBOT_ALL_DOMAINS           every identifier of this batch, comma-separated
  // and remembers its stdout. A non-zero exit is an error naming the hook.
  Status present(const Task& task) override;
  // Runs the cleanup hook with the same variables plus CERTBOT_AUTH_OUTPUT
  // (the auth hook's stdout). Nothing to do without a cleanup hook.
  Status cleanup(const Task& task) override;

  // The environment a hook gets for task, exposed for tests.
  static std::map<std::string, std::string> environment(const Task& task);

 private:
  ChallengeType type_;
  std::string auth_hook_, cleanup_hook_;
  std::mutex mu_;
  std::map<std::string, std::string> auth_output_;  // by token
};

}  // namespace acmekit::client::challenge
