// acmekit revoke and delete: client/revoke.h, rendered.
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/known_servers.h"
#include "client/revoke.h"

namespace acmekit::cli {

int cmd_revoke(const GlobalOptions& global, const client::RevokeOptions& options) {
  const client::RevokeTarget target{.config_dir = global.config_dir,
                                    .server = client::resolve_server(global.server, global.staging),
                                    .server_given = global.server_given,
                                    .ca_bundle = global.ca_bundle};
  auto r = client::revoke_certificate(target, options);
  if (!r) return report_error(r.error());
  if (global.json) {
    std::cout << r->to_json().dump(2) << std::endl;
  } else if (!global.quiet) {
    std::cout << "Revoked certificate with serial " << r->serial << (r->deleted ? "; lineage deleted" : "");
    if (r->lineage) std::cout << "; the next acmekit renew replaces lineage " << *r->lineage;
    std::cout << std::endl;
  }
  return kExitOk;
}

int cmd_delete(const GlobalOptions& global, const std::vector<std::string>& names) {
  auto r = client::delete_lineages(global.config_dir, names);
  if (!r) return report_error(r.error());
  if (global.json) {
    std::cout << r->to_json().dump(2) << std::endl;
  } else if (!global.quiet) {
    for (const auto& n : r->deleted) std::cout << "Deleted " << n << std::endl;
  }
  return kExitOk;
}

}  // namespace acmekit::cli
