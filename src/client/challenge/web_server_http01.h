// http-01 (RFC 8555 §8.3) answered by the running web server (certbot's
// nginx / apache authenticators): the server's challenge_edits applied
// through the install transaction (backups, config test, reload), and the
// very same files put back afterwards. No port is taken over.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "client/challenge/solver.h"
#include "client/install/transaction.h"
#include "client/install/web_server.h"

namespace acmekit::client::challenge {

class WebServerHttp01Solver : public Solver, public BatchSolver {
 public:
  // backup_root: install::ApplyOptions::backup_root.
  WebServerHttp01Solver(std::shared_ptr<install::WebServer> server, std::filesystem::path backup_root);

  ChallengeType type() const override;  // http-01
  Status present(const Task& task) override;
  Status cleanup(const Task& task) override;
  // One edit + one reload for every task: a location per token in each
  // server block that serves one of the identifiers.
  Status present_all(std::span<const Task> tasks) override;
  // The edited files back byte for byte, then one reload.
  Status cleanup_all(std::span<const Task> tasks) override;

 private:
  std::shared_ptr<install::WebServer> server_;
  std::filesystem::path backup_root_;
  std::mutex mu_;
  std::optional<install::Backup> presented_;  // what cleanup puts back
};

}  // namespace acmekit::client::challenge
