#include "client/install/run_tool.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

extern char** environ;

namespace acmekit::client::install {

Result<ToolRun> run_tool(const std::vector<std::string>& argv) {
  if (argv.empty()) return make_error(ErrorKind::kInvalidArgument, "no command to run");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    return make_error(ErrorKind::kIo, "pipe failed: " + std::string(std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return make_error(ErrorKind::kNotFound, "cannot run " + argv[0] + ": " + std::strerror(rc));
  }
  ToolRun run;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    run.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return make_error(ErrorKind::kIo, "waitpid failed: " + std::string(std::strerror(errno)));
  }
  run.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return run;
}

std::string error_lines(const std::string& output) {
  std::istringstream in(output);
  std::string line, joined, last;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.find("[emerg]") != std::string::npos || line.find("[error]") != std::string::npos ||
        line.find("[crit]") != std::string::npos || line.find("[alert]") != std::string::npos ||
        line.find("failed") != std::string::npos || line.find("AH0") != std::string::npos) {
      if (line.find("could not open error log file") != std::string::npos) continue;
      if (!joined.empty()) joined += "; ";
      joined += line;
    }
  }
  return joined.empty() ? last : joined;
}

}  // namespace acmekit::client::install
