#include "client/renewal/hooks.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include <spdlog/spdlog.h>

extern char** environ;

namespace acmekit::client::renewal {
namespace fs = std::filesystem;

namespace {
Status spawn_and_wait(std::string_view what, std::vector<std::string> argv, const HookEnv& env) {
  // The child's environment: ours, with env's variables set over it.
  std::vector<std::string> envs;
  for (char** e = environ; *e; ++e) {
    std::string_view kv(*e);
    auto eq = kv.find('=');
    if (eq != std::string_view::npos && env.contains(std::string(kv.substr(0, eq)))) continue;
    envs.emplace_back(kv);
  }
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : envs) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (auto& s : argv) args.push_back(s.data());
  args.push_back(nullptr);

  spdlog::info("running {}: {}", what, argv.back());
  pid_t pid = 0;
  int rc = posix_spawn(&pid, args[0], nullptr, nullptr, args.data(), envp.data());
  if (rc != 0) {
    return make_error(ErrorKind::kIo, std::string(what) + " could not start: " + std::strerror(rc));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(ErrorKind::kIo, std::string(what) + ": waitpid failed");
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return make_error(ErrorKind::kIo, std::string(what) + " \"" + argv.back() + "\" " + how);
}
}  // namespace

Status run_hook(std::string_view what, const std::string& command, const HookEnv& env) {
  if (command.empty()) return {};
  return spawn_and_wait(what, {"/bin/sh", "-c", command}, env);
}

Status run_hook_dir(std::string_view what, const fs::path& dir, const HookEnv& env) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  std::vector<fs::path> hooks;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && ::access(e.path().c_str(), X_OK) == 0) hooks.push_back(e.path());
  }
  std::sort(hooks.begin(), hooks.end());
  for (const auto& h : hooks) ACMEKIT_CHECK(spawn_and_wait(what, {h.string()}, env));
  return {};
}

}  // namespace acmekit::client::renewal
