#include "client/challenge/webroot.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "client/store/atomic_file.h"

namespace acmekit::client::challenge {
namespace fs = std::filesystem;
namespace {

bool is_base64url_token(std::string_view token) {
  if (token.empty()) return false;
  return std::all_of(token.begin(), token.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '_';
  });
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 100)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
  return out;
}

}  // namespace

WebrootSolver::WebrootSolver(fs::path webroot) : webroot_(std::move(webroot)) {}

ChallengeType WebrootSolver::type() const { return ChallengeType::kHttp01; }

fs::path WebrootSolver::challenge_dir() const {
  return webroot_ / ".well-known" / "acme-challenge";
}

Status WebrootSolver::present(const Task& task) {
  if (!is_base64url_token(task.token)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "http-01 token \"" + printable(task.token) +
                          "\" is not base64url (RFC 8555 §8.3)");
  }
  std::error_code ec;
  if (!fs::is_directory(webroot_, ec)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "webroot " + webroot_.string() + " is not a directory");
  }

  std::lock_guard lock(mu_);
  // Another process sharing this webroot (another acmekit run) removes the
  // directories it made once its own token is gone, and may do so between
  // our mkdir and our write: the path vanishes (ENOENT), and we make it
  // again. Once our token is in it, nobody's rmdir can take it away.
  constexpr int kAttempts = 10;
  for (int attempt = 1;; ++attempt) {
    bool vanished = false;
    for (const fs::path& dir : {webroot_ / ".well-known", challenge_dir()}) {
      if (::mkdir(dir.c_str(), 0755) == 0) {
        ::chmod(dir.c_str(), 0755);  // mkdir() applies the umask
        created_.push_back(dir);
      } else if (errno == ENOENT && attempt < kAttempts) {
        vanished = true;
        break;
      } else if (errno != EEXIST) {
        return make_error(ErrorKind::kIo,
                          "creating " + dir.string() + ": " + std::strerror(errno));
      } else if (!fs::is_directory(dir, ec)) {
        if (!fs::exists(dir, ec) && attempt < kAttempts) {  // gone since our mkdir said it exists
          vanished = true;
          break;
        }
        return make_error(ErrorKind::kIo, "creating " + dir.string() +
                                              ": exists and is not a directory");
      }
    }
    if (vanished) continue;
    auto written = store::write_file_atomic(challenge_dir() / task.token,
                                            task.key_authorization, 0644);
    if (written) return {};
    // The directory may have gone and come back since: try again; a lasting
    // failure (permissions, a full disk) is the same every time.
    if (attempt < kAttempts) continue;
    return std::unexpected(std::move(written).error().with_context("http-01 webroot"));
  }
}

Status WebrootSolver::cleanup(const Task& task) {
  std::lock_guard lock(mu_);
  // An invalid token was never written (present() refused it).
  if (is_base64url_token(task.token)) {
    const fs::path file = challenge_dir() / task.token;
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) {
      return make_error(ErrorKind::kIo,
                        "removing " + file.string() + ": " + std::strerror(errno));
    }
  }
  remove_created_dirs();
  return {};
}

void WebrootSolver::remove_created_dirs() {
  // Innermost first; a directory still holding other tokens stays (and is
  // retried by a later cleanup()).
  for (auto it = created_.rbegin(); it != created_.rend();) {
    if (::rmdir(it->c_str()) == 0 || errno == ENOENT) {
      it = decltype(it)(created_.erase(std::next(it).base()));
    } else {
      ++it;
    }
  }
}

WebrootMapSolver::WebrootMapSolver(const std::map<std::string, std::string>& roots, const fs::path& default_root)
    : root_of_(roots), default_root_(default_root.string()) {
  solvers_.emplace(default_root_, std::make_unique<WebrootSolver>(default_root));
  for (const auto& [name, root] : roots) {
    if (!solvers_.contains(root)) solvers_.emplace(root, std::make_unique<WebrootSolver>(root));
  }
}

ChallengeType WebrootMapSolver::type() const { return ChallengeType::kHttp01; }

WebrootSolver& WebrootMapSolver::solver_for(const std::string& name) {
  auto it = root_of_.find(name);
  return *solvers_.at(it == root_of_.end() ? default_root_ : it->second);
}

Status WebrootMapSolver::present(const Task& task) { return solver_for(task.identifier).present(task); }

Status WebrootMapSolver::cleanup(const Task& task) { return solver_for(task.identifier).cleanup(task); }

}  // namespace acmekit::client::challenge
