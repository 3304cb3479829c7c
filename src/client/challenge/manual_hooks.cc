#include "client/challenge/manual_hooks.h"

#include "client/renewal/hooks.h"

namespace acmekit::client::challenge {

ManualHookSolver::ManualHookSolver(ChallengeType type, std::string auth_hook, std::string cleanup_hook)
    : type_(type), auth_hook_(std::move(auth_hook)), cleanup_hook_(std::move(cleanup_hook)) {}

std::map<std::string, std::string> ManualHookSolver::environment(const Task& task) {
  // certbot's manual plugin (certbot/_internal/plugins/manual.py) sets these.
  std::map<std::string, std::string> env{
      {"CERTBOT_DOMAIN", task.identifier},
      {"CERTBOT_REMAINING_CHALLENGES", std::to_string(task.remaining)},
      {"CERTBOT_ALL_DOMAINS", task.all_identifiers},
  };
  if (task.challenge_type == ChallengeType::kDns01) {
    env["CERTBOT_VALIDATION"] = task.dns_value;  // RFC 8555 §8.4
  } else {
    env["CERTBOT_VALIDATION"] = task.key_authorization;  // RFC 8555 §8.3
    env["CERTBOT_TOKEN"] = task.token;
  }
  return env;
}

Status ManualHookSolver::present(const Task& task) {
  auto out = renewal::run_hook_output("manual auth hook for " + task.identifier, auth_hook_, environment(task));
  if (!out) return std::unexpected(std::move(out).error());
  std::lock_guard lock(mu_);
  auth_output_[task.token] = std::move(*out);
  return {};
}

Status ManualHookSolver::cleanup(const Task& task) {
  std::string auth_output;
  {
    std::lock_guard lock(mu_);
    if (auto it = auth_output_.find(task.token); it != auth_output_.end()) {
      auth_output = std::move(it->second);
      auth_output_.erase(it);
    }
  }
  if (cleanup_hook_.empty()) return {};
  auto env = environment(task);
  env["CERTBOT_AUTH_OUTPUT"] = auth_output;
  return renewal::run_hook("manual cleanup hook for " + task.identifier, cleanup_hook_, env);
}

}  // namespace acmekit::client::challenge
