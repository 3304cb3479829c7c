#include "client/obtain.h"

#include <filesystem>

#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "core/http/curl_client.h"

namespace acmekit::client {

Result<Obtained> obtain_certificate(const LineageSettings& settings, const AccountOptions& account_options,
                                    const std::string& config_dir,
                                    const std::optional<std::string>& csr_der,
                                    challenge::SolverPool* pool, const std::string& replaces,
                                    std::optional<crypto::PrivateKey> reuse_key) {
  ObtainRequest request{.names = settings.names, .csr_der = csr_der, .reuse_key = std::move(reuse_key),
                        .preferred_chain = settings.preferred_chain, .replaces = replaces,
                        .preferred_profile = settings.preferred_profile,
                        .required_profile = settings.required_profile};
  ACMEKIT_TRY(request.key_spec, settings.key_spec());
  // The solvers first: a taken port fails before anything is ordered.
  challenge::SolverPool own_pool(config_dir);
  ACMEKIT_TRY(auto solvers, (pool ? *pool : own_pool).solvers_for(settings));

  http::CurlClient http(http::ClientOptions{.ca_bundle = settings.ca_bundle});
  api::Session session(http, settings.server);
  ACMEKIT_CHECK(session.load_directory());
  store::AccountStore accounts(config_dir);
  ACMEKIT_TRY(auto account, ensure_account(session, accounts, account_options));

  SystemClock clock;
  Certifier certifier(session, solvers, clock);
  ACMEKIT_TRY(auto issued, certifier.obtain(request));
  return Obtained{.issued = std::move(issued), .account = std::move(account)};
}

Result<std::optional<crypto::PrivateKey>> key_to_reuse(const std::string& config_dir, const std::string& name,
                                                       const LineageSettings& settings, bool new_key) {
  if (!settings.reuse_key || new_key) return std::nullopt;
  const auto path = store::LineageStore(config_dir).live_paths(name).privkey;
  // A lineage without a key yet (first issuance) gets a new one.
  if (!std::filesystem::exists(path)) return std::nullopt;
  ACMEKIT_TRY(auto pem, store::read_file(path));
  auto key = crypto::PrivateKey::from_pem(pem);
  if (!key) return std::unexpected(std::move(key).error().with_context("--reuse-key: " + path.string()));
  return std::optional<crypto::PrivateKey>(std::move(*key));
}

}  // namespace acmekit::client
