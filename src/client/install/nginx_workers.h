// Waiting for `nginx -s reload` to take effect. The signal returns at once;
// the master then reads the configuration, starts new workers and tells the
// old ones to stop accepting ("worker process is shutting down"). Until
// then the old workers answer: a CA asked to validate at once would get the
// old configuration's answer. Read from /proc (Linux).
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include <sys/types.h>

#include "client/install/nginx_includes.h"
#include "core/error.h"

namespace acmekit::client::install {

// The master's pid file: the main file's `pid` directive (relative paths
// against the server root), else Debian's /run/nginx.pid.
std::filesystem::path nginx_pid_file(const NginxConfig& config);

// The master's pid from the file; nullopt when it cannot be read (nginx not
// running, or another layout).
std::optional<pid_t> nginx_master_pid(const std::filesystem::path& pid_file);

// The children of `master` titled "nginx: worker process" (accepting ones,
// not those shutting down).
std::set<pid_t> nginx_active_workers(pid_t master);

// Polls until none of `old_workers` accepts any more and a new worker does;
// kUnavailable after `timeout` (the master refused the configuration: its
// error log says why).
Status wait_for_new_workers(pid_t master, const std::set<pid_t>& old_workers, std::chrono::milliseconds timeout);

}  // namespace acmekit::client::install
