// acmekit revoke and delete.
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/account_setup.h"
#include "client/api/resources.h"
#include "client/lineage_settings.h"
#include "client/store/accounts.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "client/store/revocations.h"
#include "core/crypto/certificate.h"
#include "core/http/curl_client.h"

namespace acmekit::cli {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The lineage of CONFIG_DIR whose live certificate `der` is: --cert-name's,
// or the one --cert-path lies in (live/NAME/cert.pem resolves into
// archive/NAME/ as the archive files do). nullopt for an older version, a
// copy elsewhere, or a lineage of another config dir.
std::optional<std::string> live_lineage_of(const client::store::LineageStore& lineages, const std::string& cert_name,
                                           const fs::path& cert_path, std::string_view der) {
  std::string name = cert_name;
  if (name.empty()) {
    std::error_code ec;
    const fs::path real = fs::canonical(cert_path, ec);
    if (ec) return std::nullopt;
    name = real.parent_path().filename().string();
    if (!client::store::LineageStore::check_name(name)) return std::nullopt;
  }
  auto pem = client::store::read_file(lineages.live_paths(name).cert);
  auto live = pem ? crypto::parse_pem_chain(*pem) : Result<std::vector<crypto::CertificateInfo>>();
  if (!pem || !live || live->empty() || live->front().der != der) return std::nullopt;
  return name;
}

Result<json> revoke(const GlobalOptions& g, const RevokeOptions& o) {
  if (o.cert_path.empty() == o.cert_name.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "name the certificate with --cert-path or --cert-name");
  }
  if (o.delete_after_revoke && o.cert_name.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--delete-after-revoke needs --cert-name");
  }
  ACMEKIT_TRY(int reason, client::api::revocation_reason_code(o.reason));
  client::store::LineageStore lineages(g.config_dir);

  // The certificate, and the CA that issued it: a lineage remembers its CA.
  std::string server = resolve_server(g.server, g.staging), ca_bundle = g.ca_bundle;
  fs::path cert_path = o.cert_path;
  if (!o.cert_name.empty()) {
    ACMEKIT_CHECK(client::store::LineageStore::check_name(o.cert_name));
    cert_path = lineages.live_paths(o.cert_name).cert;
    auto cfg = lineages.read_renewal(o.cert_name);
    if (!cfg) return make_error(ErrorKind::kInvalidArgument, "no certificate named \"" + o.cert_name + "\"");
    ACMEKIT_TRY(auto settings, client::LineageSettings::from_config(*cfg));
    if (!g.server_given) server = settings.server;
    if (ca_bundle.empty()) ca_bundle = settings.ca_bundle;
  }
  ACMEKIT_TRY(auto pem, client::store::read_file(cert_path));
  auto certs = crypto::parse_pem_chain(pem);
  if (!certs) return std::unexpected(std::move(certs).error().with_context(cert_path.string()));
  const auto& cert = certs->front();

  http::CurlClient http(http::ClientOptions{.ca_bundle = ca_bundle});
  client::api::Session session(http, server);
  ACMEKIT_CHECK(session.load_directory());

  bool with_cert_key = !o.key_path.empty();
  if (with_cert_key) {
    // RFC 8555 §7.6: whoever holds the certificate's key may revoke it.
    ACMEKIT_TRY(auto key_pem, client::store::read_file(o.key_path));
    auto key = crypto::PrivateKey::from_pem(key_pem);
    if (!key) return std::unexpected(std::move(key).error().with_context(o.key_path));
    if (!(key->public_key() == cert.public_key)) {
      return make_error(ErrorKind::kInvalidArgument, o.key_path + " is not the key of " + cert_path.string());
    }
    session.set_account_key(std::move(*key));
  } else {
    client::store::AccountStore accounts(g.config_dir);
    // Signs with the stored account (a rollover cut short is resolved first).
    ACMEKIT_TRY(auto loaded, client::load_account(session, accounts));
    if (!loaded) {
      return make_error(ErrorKind::kInvalidArgument,
                        "no account for " + server + " in " + g.config_dir +
                            "; revoke with the certificate's own key via --key-path");
    }
  }
  auto st = client::api::revoke_certificate(session, cert.der, reason, with_cert_key);
  if (!st) return std::unexpected(std::move(st).error().with_context("revoking serial " + cert.serial_hex));
  spdlog::info("revoked serial {} ({})", cert.serial_hex, o.reason);

  // "lineage": the lineage whose live certificate this was; the next renew
  // replaces it (certbot's renew learns of a revocation through OCSP).
  json out{{"status", "revoked"}, {"serial", cert.serial_hex}, {"reason", o.reason},
           {"cert_path", fs::absolute(cert_path).string()}, {"deleted", false}, {"lineage", nullptr}};
  if (o.delete_after_revoke) {
    ACMEKIT_CHECK(lineages.remove(o.cert_name));
    out["deleted"] = true;
  } else if (auto name = live_lineage_of(lineages, o.cert_name, cert_path, cert.der)) {
    auto recorded = client::store::record_revocation(
        lineages, *name,
        {.fingerprint = client::store::certificate_fingerprint(cert.der), .serial_hex = cert.serial_hex,
         .at = std::chrono::system_clock::now(), .reason = o.reason});
    if (recorded) {
      out["lineage"] = *name;
    } else {
      // The CA has revoked it either way; only the reminder is lost.
      spdlog::warn("{}: the revocation is not recorded ({}); renew it with acmekit renew --cert-name {} "
                   "--force-renewal", *name, recorded.error().message(), *name);
    }
  }
  return out;
}

}  // namespace

int cmd_revoke(const GlobalOptions& global, const RevokeOptions& options) {
  auto r = revoke(global, options);
  if (!r) return report_error(r.error());
  if (global.json) {
    std::cout << r->dump(2) << std::endl;
  } else if (!global.quiet) {
    std::cout << "Revoked certificate with serial " << (*r)["serial"].get<std::string>()
              << ((*r)["deleted"].get<bool>() ? "; lineage deleted" : "");
    if (!(*r)["lineage"].is_null()) {
      std::cout << "; the next acmekit renew replaces lineage " << (*r)["lineage"].get<std::string>();
    }
    std::cout << std::endl;
  }
  return kExitOk;
}

int cmd_delete(const GlobalOptions& global, const std::vector<std::string>& names) {
  if (names.empty()) return report_error(Error{.kind = ErrorKind::kInvalidArgument, .detail = "delete needs --cert-name"});
  client::store::LineageStore lineages(global.config_dir);
  for (const auto& n : names) {
    if (auto st = lineages.remove(n); !st) return report_error(st.error());
    if (!global.quiet && !global.json) std::cout << "Deleted " << n << std::endl;
  }
  if (global.json) std::cout << json{{"deleted", names}}.dump(2) << std::endl;
  return kExitOk;
}

}  // namespace acmekit::cli
