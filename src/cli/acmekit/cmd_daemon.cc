// acmekit daemon: client::run_daemon until SIGTERM or SIGINT.
#include <atomic>
#include <csignal>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"

namespace acmekit::cli {
namespace {

std::atomic<bool> g_stop{false};
extern "C" void on_signal(int) { g_stop = true; }

}  // namespace

int cmd_daemon(const GlobalOptions& g, const DaemonOptions& options) {
  DaemonOptions o = options;
  o.renew.ca_bundle = g.ca_bundle;
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  auto st = client::run_daemon(g.config_dir, o, client::real_renew_deps(g.config_dir, cli_clock()), g_stop);
  return st ? kExitOk : report_error(st.error());
}

}  // namespace acmekit::cli
