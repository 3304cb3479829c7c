// acmekit certonly: obtain a certificate and install it as a lineage.
#include <filesystem>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/account_setup.h"
#include "client/api/session.h"
#include "client/certifier.h"
#include "client/challenge/http01_standalone.h"
#include "client/challenge/webroot.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "core/crypto/csr.h"
#include "core/http/curl_client.h"

namespace acmekit::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Result<std::unique_ptr<client::challenge::Solver>> make_solver(const CertonlyOptions& o) {
  if (o.standalone == o.webroot) {
    return make_error(ErrorKind::kInvalidArgument, "choose one authenticator: --standalone or --webroot");
  }
  if (o.webroot) {
    if (o.webroot_path.empty()) return make_error(ErrorKind::kInvalidArgument, "--webroot needs -w DIR");
    if (!fs::is_directory(o.webroot_path)) {
      return make_error(ErrorKind::kInvalidArgument, "webroot " + o.webroot_path + " is not a directory");
    }
    return std::make_unique<client::challenge::WebrootSolver>(o.webroot_path);
  }
  if (o.http01_port < 1 || o.http01_port > 65535) {
    return make_error(ErrorKind::kInvalidArgument, "--http-01-port must be 1..65535");
  }
  // Bind now, so a taken port is reported before any order exists.
  ACMEKIT_TRY(auto server, client::challenge::Http01Standalone::start(
                               o.http01_address, static_cast<uint16_t>(o.http01_port)));
  return std::unique_ptr<client::challenge::Solver>(std::move(server));
}

// certbot's renewal parameters, so a later `renew` can repeat the run.
client::store::RenewalConfig renewal_config(const GlobalOptions& g, const CertonlyOptions& o,
                                            const std::string& server_url, const std::string& account_id,
                                            const std::vector<std::string>& names) {
  client::store::RenewalConfig c;
  auto& p = c.params;
  p["authenticator"] = o.webroot ? "webroot" : "standalone";
  p["server"] = server_url;
  p["account"] = account_id;
  p["key_type"] = o.key_type;
  if (o.key_type == "rsa") p["rsa_key_size"] = std::to_string(o.rsa_key_size);
  else p["elliptic_curve"] = o.elliptic_curve;
  std::string domains;
  for (const auto& n : names) domains += (domains.empty() ? "" : ", ") + n;
  p["domains"] = domains;
  if (o.webroot) p["webroot_path"] = fs::absolute(o.webroot_path).string();
  if (o.standalone) {
    p["http01_port"] = std::to_string(o.http01_port);
    if (!o.http01_address.empty()) p["http01_address"] = o.http01_address;
  }
  if (!o.preferred_chain.empty()) p["preferred_chain"] = o.preferred_chain;
  if (!g.ca_bundle.empty()) p["ca_bundle"] = fs::absolute(g.ca_bundle).string();
  return c;
}

Result<json> run(const GlobalOptions& g, const CertonlyOptions& o) {
  // 1. What to certify: -d names, or the names of --csr.
  client::ObtainRequest request{.preferred_chain = o.preferred_chain};
  if (!o.csr.empty()) {
    ACMEKIT_TRY(auto csr_text, client::store::read_file(o.csr));
    auto csr = crypto::parse_csr(csr_text);
    if (!csr) return std::unexpected(std::move(csr).error().with_context("--csr " + o.csr));
    request.names = csr->dns_names;
    request.names.insert(request.names.end(), csr->ip_addresses.begin(), csr->ip_addresses.end());
    if (request.names.empty() && !csr->common_name.empty()) request.names.push_back(csr->common_name);
    request.csr_der = csr->der;
  } else {
    request.names = o.domains;
  }
  if (request.names.empty()) return make_error(ErrorKind::kInvalidArgument, "no names given: use -d NAME");
  ACMEKIT_TRY(request.key_spec, crypto::key_spec_from_names(o.key_type, o.elliptic_curve, o.rsa_key_size));
  const std::string cert_name = o.cert_name.empty() ? request.names.front() : o.cert_name;
  if (o.csr.empty()) ACMEKIT_CHECK(client::store::LineageStore::check_name(cert_name));

  // 2. The solver first: a taken port fails before anything is ordered.
  ACMEKIT_TRY(auto solver, make_solver(o));

  // 3. The CA and the account.
  const std::string server_url = resolve_server(g.server, g.staging);
  http::CurlClient http(http::ClientOptions{.ca_bundle = g.ca_bundle});
  client::api::Session session(http, server_url);
  ACMEKIT_CHECK(session.load_directory());
  client::store::AccountStore accounts(g.config_dir);
  client::AccountOptions account_opts{.agree_tos = o.agree_tos,
                                      .eab_kid = o.eab_kid,
                                      .eab_hmac_key = o.eab_hmac_key};
  if (!o.email.empty()) account_opts.email = o.email;
  {
    // certbot asks for an address; without a terminal it refuses. So do we.
    ACMEKIT_TRY(auto existing, accounts.list(server_url));
    if (existing.empty() && o.email.empty() && !o.register_unsafely_without_email) {
      return make_error(ErrorKind::kInvalidArgument,
                        "a new account needs --email ADDR or --register-unsafely-without-email");
    }
  }
  ACMEKIT_TRY(auto account, client::ensure_account(session, accounts, account_opts));

  // 4. The order, validation, finalize, download.
  SystemClock clock;
  client::Certifier certifier(session, *solver, clock);
  ACMEKIT_TRY(auto issued, certifier.obtain(request));

  json out{{"status", "issued"},
           {"names", request.names},
           {"serial", issued.leaf.serial_hex},
           {"issuer", issued.leaf.issuer_cn},
           {"not_after", iso8601(issued.leaf.not_after)},
           {"account_url", account.url}};

  // 5. Install: a lineage, or with --csr the three files asked for.
  if (!o.csr.empty()) {
    ACMEKIT_CHECK(client::store::write_file_atomic(o.cert_path, issued.cert_pem));
    ACMEKIT_CHECK(client::store::write_file_atomic(o.chain_path, issued.chain_pem));
    ACMEKIT_CHECK(client::store::write_file_atomic(o.fullchain_path, issued.fullchain_pem));
    out["cert_name"] = nullptr;
    out["paths"] = {{"cert", fs::absolute(o.cert_path).string()},
                    {"chain", fs::absolute(o.chain_path).string()},
                    {"fullchain", fs::absolute(o.fullchain_path).string()},
                    {"privkey", nullptr}};
    return out;
  }
  client::store::LineageStore lineages(g.config_dir);
  client::store::LineageFiles files{.cert_pem = issued.cert_pem,
                                    .chain_pem = issued.chain_pem,
                                    .fullchain_pem = issued.fullchain_pem,
                                    .privkey_pem = issued.key->to_pem()};
  ACMEKIT_TRY(auto paths, lineages.install(cert_name, files,
                                           renewal_config(g, o, server_url, account.id, request.names)));
  out["cert_name"] = cert_name;
  out["paths"] = {{"cert", paths.cert.string()},
                  {"chain", paths.chain.string()},
                  {"fullchain", paths.fullchain.string()},
                  {"privkey", paths.privkey.string()}};
  return out;
}

}  // namespace

int cmd_certonly(const GlobalOptions& global, const CertonlyOptions& options) {
  auto result = run(global, options);
  if (!result) return report_error(result.error());
  const json& r = *result;
  if (global.json) {
    std::cout << r.dump(2) << std::endl;
    return kExitOk;
  }
  if (!global.quiet) {
    std::cout << "Successfully received certificate.\n"
              << "Names:              ";
    for (size_t i = 0; i < r["names"].size(); ++i) std::cout << (i ? ", " : "") << r["names"][i].get<std::string>();
    std::cout << "\nIssuer:             " << r["issuer"].get<std::string>()
              << "\nSerial:             " << r["serial"].get<std::string>()
              << "\nExpires:            " << r["not_after"].get<std::string>() << "\n";
    if (!r["paths"]["privkey"].is_null()) {
      std::cout << "Key is saved at:    " << r["paths"]["privkey"].get<std::string>() << "\n";
    }
    std::cout << "Certificate is saved at: " << r["paths"]["fullchain"].get<std::string>() << std::endl;
  }
  return kExitOk;
}

}  // namespace acmekit::cli
