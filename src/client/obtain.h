// One issuance from settings to a verified chain: the solver, the HTTPS
// client, the session with its account, and the certifier, wired together.
// certonly and renew both call this; neither touches live/ here.
#pragma once

#include <optional>
#include <string>

#include "client/account_setup.h"
#include "client/certifier.h"
#include "client/lineage_settings.h"

namespace acmekit::client {

struct Obtained {
  Issued issued;
  store::StoredAccount account;
};

// With csr_der set, finalizes with that CSR (no key is made). With
// shared_solver set, answers challenges through it (concurrent renewals on
// one standalone port) instead of making a solver from the settings.
Result<Obtained> obtain_certificate(const LineageSettings& settings, const AccountOptions& account_options,
                                    const std::string& config_dir,
                                    const std::optional<std::string>& csr_der = std::nullopt,
                                    challenge::Solver* shared_solver = nullptr);

}  // namespace acmekit::client
