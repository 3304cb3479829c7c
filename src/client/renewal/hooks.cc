#include "client/renewal/hooks.h"

#include <fcntl.h>
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
// Runs argv with env added to ours and waits. With `output`, the child's
// stdout goes to a pipe read into *output.
Status spawn_and_wait(std::string_view what, std::vector<std::string> argv, const HookEnv& env,
                      std::string* output = nullptr) {
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
  int pipe_fds[2] = {-1, -1};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (output) {
    if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
      posix_spawn_file_actions_destroy(&actions);
      return make_error(ErrorKind::kIo, std::string(what) + ": pipe failed: " + std::strerror(errno));
    }
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  } else {
    // A hook's output goes to our stderr: stdout is acmekit's own (--json).
    posix_spawn_file_actions_adddup2(&actions, STDERR_FILENO, STDOUT_FILENO);
  }
  int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (output) ::close(pipe_fds[1]);
  if (rc != 0) {
    if (output) ::close(pipe_fds[0]);
    return make_error(ErrorKind::kIo, std::string(what) + " could not start: " + std::strerror(rc));
  }
  if (output) {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      output->append(buf, static_cast<std::size_t>(n));
    }
    ::close(pipe_fds[0]);
    while (!output->empty() && (output->back() == '\n' || output->back() == '\r')) output->pop_back();
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

Result<std::string> run_hook_output(std::string_view what, const std::string& command, const HookEnv& env) {
  std::string out;
  if (command.empty()) return out;
  ACMEKIT_CHECK(spawn_and_wait(what, {"/bin/sh", "-c", command}, env, &out));
  return out;
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
