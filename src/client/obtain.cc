#include "client/obtain.h"

#include "core/http/curl_client.h"

namespace acmekit::client {

Result<Obtained> obtain_certificate(const LineageSettings& settings, const AccountOptions& account_options,
                                    const std::string& config_dir,
                                    const std::optional<std::string>& csr_der,
                                    challenge::SolverPool* pool, const std::string& replaces) {
  ObtainRequest request{.names = settings.names, .csr_der = csr_der,
                        .preferred_chain = settings.preferred_chain, .replaces = replaces};
  ACMEKIT_TRY(request.key_spec, settings.key_spec());
  // The solvers first: a taken port fails before anything is ordered.
  challenge::SolverPool own_pool;
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

}  // namespace acmekit::client
