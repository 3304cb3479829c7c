#include "client/challenge/web_server_http01.h"

#include <spdlog/spdlog.h>

namespace acmekit::client::challenge {

WebServerHttp01Solver::WebServerHttp01Solver(std::shared_ptr<install::WebServer> server,
                                             std::filesystem::path backup_root)
    : server_(std::move(server)), backup_root_(std::move(backup_root)) {}

ChallengeType WebServerHttp01Solver::type() const { return ChallengeType::kHttp01; }

Status WebServerHttp01Solver::present(const Task& task) { return present_all(std::span<const Task>(&task, 1)); }

Status WebServerHttp01Solver::cleanup(const Task& task) { return cleanup_all(std::span<const Task>(&task, 1)); }

Status WebServerHttp01Solver::present_all(std::span<const Task> tasks) {
  std::lock_guard lock(mu_);
  if (presented_) return make_error(ErrorKind::kFailedPrecondition, "http-01 answers are already presented");
  std::vector<install::Http01Response> responses;
  std::vector<std::string> names;
  for (const auto& t : tasks) {
    // RFC 8555 §8.3: GET http://IDENTIFIER/.well-known/acme-challenge/TOKEN.
    responses.push_back({.token = t.token, .key_authorization = t.key_authorization});
    names.push_back(t.identifier);
  }
  ACMEKIT_TRY(install::FileEdits edits, server_->challenge_edits(responses, names));
  ACMEKIT_TRY(install::AppliedEdits applied,
              install::apply_edits(*server_, edits, {.backup_root = backup_root_}));
  spdlog::info("{}: http-01 answers for {} name(s) in {} file(s), reloaded", server_->name(), names.size(),
               applied.changed.size() + applied.created.size());
  presented_ = std::move(applied.backup);
  return {};
}

Status WebServerHttp01Solver::cleanup_all(std::span<const Task>) {
  std::lock_guard lock(mu_);
  if (!presented_) return {};  // present_all failed: apply_edits put everything back already
  Status s = install::revert_edits(*server_, *presented_);
  presented_.reset();
  if (!s) return std::unexpected(std::move(s).error().with_context("removing the http-01 answers"));
  return {};
}

}  // namespace acmekit::client::challenge
