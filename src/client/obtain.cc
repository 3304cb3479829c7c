#include "client/obtain.h"

#include <filesystem>
#include <memory>

#include "client/challenge/http01_standalone.h"
#include "client/challenge/webroot.h"
#include "core/http/curl_client.h"

namespace acmekit::client {
namespace fs = std::filesystem;

namespace {
Result<std::unique_ptr<challenge::Solver>> make_solver(const LineageSettings& s) {
  if (s.authenticator == "webroot") {
    if (s.webroot_path.empty()) return make_error(ErrorKind::kInvalidArgument, "--webroot needs -w DIR");
    if (!fs::is_directory(s.webroot_path)) {
      return make_error(ErrorKind::kInvalidArgument, "webroot " + s.webroot_path + " is not a directory");
    }
    return std::make_unique<challenge::WebrootSolver>(s.webroot_path);
  }
  if (s.http01_port < 1 || s.http01_port > 65535) {
    return make_error(ErrorKind::kInvalidArgument, "--http-01-port must be 1..65535");
  }
  // Bind now, so a taken port is reported before any order exists.
  ACMEKIT_TRY(auto server, challenge::Http01Standalone::start(s.http01_address,
                                                              static_cast<uint16_t>(s.http01_port)));
  return std::unique_ptr<challenge::Solver>(std::move(server));
}
}  // namespace

Result<Obtained> obtain_certificate(const LineageSettings& settings, const AccountOptions& account_options,
                                    const std::string& config_dir,
                                    const std::optional<std::string>& csr_der,
                                    challenge::Solver* shared_solver) {
  ObtainRequest request{.names = settings.names, .csr_der = csr_der,
                        .preferred_chain = settings.preferred_chain};
  ACMEKIT_TRY(request.key_spec, settings.key_spec());
  std::unique_ptr<challenge::Solver> own_solver;
  if (!shared_solver) {
    ACMEKIT_TRY(own_solver, make_solver(settings));
  }
  challenge::Solver& solver = shared_solver ? *shared_solver : *own_solver;

  http::CurlClient http(http::ClientOptions{.ca_bundle = settings.ca_bundle});
  api::Session session(http, settings.server);
  ACMEKIT_CHECK(session.load_directory());
  store::AccountStore accounts(config_dir);
  ACMEKIT_TRY(auto account, ensure_account(session, accounts, account_options));

  SystemClock clock;
  Certifier certifier(session, solver, clock);
  ACMEKIT_TRY(auto issued, certifier.obtain(request));
  return Obtained{.issued = std::move(issued), .account = std::move(account)};
}

}  // namespace acmekit::client
