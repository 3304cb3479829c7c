#include "cli/acmekit-ca/long_running.h"

#include <pthread.h>

#include <csignal>

#include <spdlog/spdlog.h>

#include "cli/acmekit-ca/commands.h"

namespace acmekit::ca_cli {
namespace {

sigset_t stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

}  // namespace

void block_stop_signals() {
  const sigset_t set = stop_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

void wait_for_stop_signal() {
  const sigset_t set = stop_signals();
  int sig = 0;
  sigwait(&set, &sig);
  spdlog::info("signal {}: shutting down", sig);
}

std::string host_of(const std::string& listen) {
  if (listen.starts_with("[")) return listen.substr(1, listen.find(']') - 1);
  return listen.substr(0, listen.rfind(':'));
}

int fail(const std::string& what, const Error& e) {
  spdlog::critical("{}: {}", what, e.message());
  return kExitFailure;
}

}  // namespace acmekit::ca_cli
