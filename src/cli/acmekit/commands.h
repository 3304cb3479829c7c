// One function per verb; main.cc parses flags and calls one of these.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "cli/acmekit/options.h"
#include "client/certonly.h"
#include "core/clock.h"

namespace acmekit::cli {

// The system clock, or with ACMEKIT_FAKE_NOW=<unix seconds> (an end-to-end
// test switch, Boulder's FAKECLOCK) the clock started at that instant.
const Clock& cli_clock();

int cmd_certonly(const GlobalOptions& global, const CertonlyOptions& options);
// certonly's flags -> client::certonly; `installer` ("" or "nginx") saved in the lineage.
Result<client::CertonlyResult> run_certonly(const GlobalOptions& global, const CertonlyOptions& options,
                                            const std::string& installer);
void render_certonly(const client::CertonlyResult& result);
// run: certonly, then install into the web server of --nginx / --apache.
int cmd_run(const GlobalOptions& global, const CertonlyOptions& certonly, const InstallOptions& install);
int cmd_install(const GlobalOptions& global, const InstallOptions& options);
int cmd_certificates(const GlobalOptions& global);
// `given`: every name of each flag that was on the command line (only
// those change the lineage), e.g. {"--webroot", "-w", "--webroot-path"}.
int cmd_reconfigure(const GlobalOptions& global, const ReconfigureOptions& options,
                    const std::set<std::string>& given);
int cmd_renew(const GlobalOptions& global, const RenewOptions& options);
int cmd_daemon(const GlobalOptions& global, const DaemonOptions& options);
int cmd_revoke(const GlobalOptions& global, const RevokeOptions& options);
int cmd_delete(const GlobalOptions& global, const std::vector<std::string>& cert_names);
int cmd_import_certbot(const GlobalOptions& global, const std::string& from);
int cmd_register(const GlobalOptions& global);
int cmd_show_account(const GlobalOptions& global);
int cmd_update_account(const GlobalOptions& global);
int cmd_unregister(const GlobalOptions& global);
int cmd_rollover_key(const GlobalOptions& global);
// Exit 0 all good, 1 a target fails the check, 4 a target is unreachable.
int cmd_check(const GlobalOptions& global, const CheckOptions& options);

}  // namespace acmekit::cli
