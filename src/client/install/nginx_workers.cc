#include "client/install/nginx_workers.h"

#include "client/install/child_processes.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

namespace acmekit::client::install {
namespace fs = std::filesystem;

fs::path nginx_pid_file(const NginxConfig& config) {
  if (!config.files().empty()) {
    const ConfigFile& main = config.files().front();
    const auto pids = main.find(nullptr, "pid");
    if (!pids.empty() && pids.front()->arg_count() == 1) {
      const fs::path p = pids.front()->arg(0);
      return p.is_absolute() ? p : config.server_root() / p;
    }
  }
  return "/run/nginx.pid";
}

std::optional<pid_t> nginx_master_pid(const fs::path& pid_file) {
  std::ifstream in(pid_file);
  long pid = 0;
  if (!(in >> pid) || pid <= 1) return std::nullopt;
  return static_cast<pid_t>(pid);
}

std::set<pid_t> nginx_active_workers(pid_t master) {
  std::set<pid_t> out;
  for (const pid_t pid : children_of(master)) {
    std::ifstream cmd("/proc/" + std::to_string(pid) + "/cmdline");
    std::string title;
    std::getline(cmd, title, '\0');
    if (title.starts_with("nginx: worker process") && title.find("shutting down") == std::string::npos) {
      out.insert(pid);
    }
  }
  return out;
}

Status wait_for_new_workers(pid_t master, const std::set<pid_t>& old_workers, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto now_active = nginx_active_workers(master);
    bool old_left = false, fresh = false;
    for (const pid_t p : now_active) (old_workers.contains(p) ? old_left : fresh) = true;
    if (!old_left && fresh) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorKind::kUnavailable,
                        "nginx (pid " + std::to_string(master) + ") did not start workers with the new configuration "
                        "within " + std::to_string(timeout.count() / 1000) + " s; its error log says why");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace acmekit::client::install
