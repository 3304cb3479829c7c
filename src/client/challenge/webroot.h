// http-01 (RFC 8555 §8.3) answered by an existing web server: the key
// authorization is written to <webroot>/.well-known/acme-challenge/<token>.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "client/challenge/solver.h"

namespace acmekit::client::challenge {

class WebrootSolver : public Solver {
 public:
  // webroot must be an existing directory (the server's document root).
  explicit WebrootSolver(std::filesystem::path webroot);

  ChallengeType type() const override;  // http-01
  // Writes the token file atomically (mode 0644), creating
  // .well-known/acme-challenge (mode 0755) when missing. Rejects tokens that
  // are not base64url with kInvalidArgument.
  Status present(const Task& task) override;
  // Removes the token file (fine if it is already gone), then the
  // directories present() created, if they are empty.
  Status cleanup(const Task& task) override;

 private:
  std::filesystem::path challenge_dir() const;
  void remove_created_dirs();

  std::filesystem::path webroot_;
  std::mutex mu_;
  std::vector<std::filesystem::path> created_;  // outermost first
};

// certbot's webroot_map: each name's token goes under its own root (names
// not in the map under the default root).
class WebrootMapSolver : public Solver {
 public:
  WebrootMapSolver(const std::map<std::string, std::string>& roots, const std::filesystem::path& default_root);

  ChallengeType type() const override;  // http-01
  Status present(const Task& task) override;
  Status cleanup(const Task& task) override;

 private:
  WebrootSolver& solver_for(const std::string& name);

  std::map<std::string, std::string> root_of_;                   // name -> root
  std::map<std::string, std::unique_ptr<WebrootSolver>> solvers_;  // root -> its solver
  std::string default_root_;
};

}  // namespace acmekit::client::challenge
