// One issuance from settings to a verified chain: the solver, the HTTPS
// client, the session with its account, and the certifier, wired together.
// certonly and renew both call this; neither touches live/ here.
#pragma once

#include <optional>
#include <string>

#include "client/account_setup.h"
#include "client/certifier.h"
#include "client/challenge/solver_pool.h"
#include "client/lineage_settings.h"

namespace acmekit::client {

struct Obtained {
  Issued issued;
  store::StoredAccount account;
};

// With csr_der set, finalizes with that CSR (no key is made). The solvers
// come from `pool` (concurrent renewals share its standalone servers), or
// from a pool of this call's own when it is null. `replaces` is the RFC 9773
// identifier of the certificate being renewed (ObtainRequest::replaces).
// `reuse_key` is the key to keep (ObtainRequest::reuse_key).
Result<Obtained> obtain_certificate(const LineageSettings& settings, const AccountOptions& account_options,
                                    const std::string& config_dir,
                                    const std::optional<std::string>& csr_der = std::nullopt,
                                    challenge::SolverPool* pool = nullptr, const std::string& replaces = {},
                                    std::optional<crypto::PrivateKey> reuse_key = std::nullopt);

// The live private key of lineage `name` when settings.reuse_key and not
// `new_key`; nullopt otherwise. An unreadable key is an error naming it.
Result<std::optional<crypto::PrivateKey>> key_to_reuse(const std::string& config_dir, const std::string& name,
                                                       const LineageSettings& settings, bool new_key);

}  // namespace acmekit::client
