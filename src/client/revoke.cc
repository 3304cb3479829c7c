#include "client/revoke.h"

#include <chrono>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "client/account_setup.h"
#include "client/api/resources.h"
#include "client/lineage_settings.h"
#include "client/report_json.h"
#include "client/store/accounts.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "client/store/live_leaf.h"
#include "client/store/revocations.h"
#include "core/crypto/certificate.h"
#include "core/http/curl_client.h"

namespace acmekit::client {
namespace fs = std::filesystem;

namespace {

// The lineage of CONFIG_DIR whose live certificate `der` is: --cert-name's,
// or the one --cert-path lies in (live/NAME/cert.pem resolves into
// archive/NAME/ as the archive files do). nullopt for an older version, a
// copy elsewhere, or a lineage of another config dir.
std::optional<std::string> live_lineage_of(const store::LineageStore& lineages, const std::string& cert_name,
                                           const fs::path& cert_path, std::string_view der) {
  std::string name = cert_name;
  if (name.empty()) {
    std::error_code ec;
    const fs::path real = fs::canonical(cert_path, ec);
    if (ec) return std::nullopt;
    name = real.parent_path().filename().string();
    if (!store::LineageStore::check_name(name)) return std::nullopt;
  }
  auto live = store::live_leaf(lineages, name);
  if (!live || live->der != der) return std::nullopt;
  return name;
}

}  // namespace

nlohmann::json RevokeResult::to_json() const {
  return {{"format", kJsonFormat}, {"status", "revoked"}, {"serial", serial}, {"reason", reason},
          {"cert_path", cert_path}, {"deleted", deleted},
          {"lineage", lineage ? nlohmann::json(*lineage) : nlohmann::json(nullptr)}};
}

Result<RevokeResult> revoke_certificate(const RevokeTarget& g, const RevokeOptions& o) {
  if (o.cert_path.empty() == o.cert_name.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "name the certificate with --cert-path or --cert-name");
  }
  if (o.delete_after_revoke && o.cert_name.empty()) {
    return make_error(ErrorKind::kInvalidArgument, "--delete-after-revoke needs --cert-name");
  }
  ACMEKIT_TRY(int reason, api::revocation_reason_code(o.reason));
  store::LineageStore lineages(g.config_dir);

  // The certificate, and the CA that issued it: a lineage remembers its CA.
  std::string server = g.server, ca_bundle = g.ca_bundle;
  fs::path cert_path = o.cert_path;
  if (!o.cert_name.empty()) {
    ACMEKIT_CHECK(store::LineageStore::check_name(o.cert_name));
    cert_path = lineages.live_paths(o.cert_name).cert;
    auto cfg = lineages.read_renewal(o.cert_name);
    if (!cfg) return make_error(ErrorKind::kNotFound, "no certificate named \"" + o.cert_name + "\"");
    ACMEKIT_TRY(auto settings, LineageSettings::from_config(*cfg));
    if (!g.server_given) server = settings.server;
    if (ca_bundle.empty()) ca_bundle = settings.ca_bundle;
  }
  ACMEKIT_TRY(auto pem, store::read_file(cert_path));
  auto certs = crypto::parse_pem_chain(pem);
  if (!certs) return std::unexpected(std::move(certs).error().with_context(cert_path.string()));
  const auto& cert = certs->front();

  http::CurlClient http(http::ClientOptions{.ca_bundle = ca_bundle});
  api::Session session(http, server);
  ACMEKIT_CHECK(session.load_directory());

  bool with_cert_key = !o.key_path.empty();
  if (with_cert_key) {
    // RFC 8555 §7.6: whoever holds the certificate's key may revoke it.
    ACMEKIT_TRY(auto key_pem, store::read_file(o.key_path));
    auto key = crypto::PrivateKey::from_pem(key_pem);
    if (!key) return std::unexpected(std::move(key).error().with_context(o.key_path));
    if (!(key->public_key() == cert.public_key)) {
      return make_error(ErrorKind::kInvalidArgument, o.key_path + " is not the key of " + cert_path.string());
    }
    session.set_account_key(std::move(*key));
  } else {
    store::AccountStore accounts(g.config_dir);
    // Signs with the stored account (a rollover cut short is resolved first).
    ACMEKIT_TRY(auto loaded, load_account(session, accounts));
    if (!loaded) {
      return make_error(ErrorKind::kInvalidArgument,
                        "no account for " + server + " in " + g.config_dir +
                            "; revoke with the certificate's own key via --key-path");
    }
  }
  auto st = api::revoke_certificate(session, cert.der, reason, with_cert_key);
  if (!st) return std::unexpected(std::move(st).error().with_context("revoking serial " + cert.serial_hex));
  spdlog::info("revoked serial {} ({})", cert.serial_hex, o.reason);

  // "lineage": the lineage whose live certificate this was; the next renew
  // replaces it (certbot's renew learns of a revocation through OCSP).
  RevokeResult out{.serial = cert.serial_hex, .reason = o.reason, .cert_path = fs::absolute(cert_path).string()};
  if (o.delete_after_revoke) {
    ACMEKIT_CHECK(lineages.remove(o.cert_name));
    out.deleted = true;
  } else if (auto name = live_lineage_of(lineages, o.cert_name, cert_path, cert.der)) {
    auto recorded = store::record_revocation(
        lineages, *name,
        {.fingerprint = store::certificate_fingerprint(cert.der), .serial_hex = cert.serial_hex,
         .at = std::chrono::system_clock::now(), .reason = o.reason});
    if (recorded) {
      out.lineage = *name;
    } else {
      // The CA has revoked it either way; only the reminder is lost.
      spdlog::warn("{}: the revocation is not recorded ({}); renew it with acmekit renew --cert-name {} "
                   "--force-renewal", *name, recorded.error().message(), *name);
    }
  }
  return out;
}

nlohmann::json DeleteResult::to_json() const { return {{"format", kJsonFormat}, {"deleted", deleted}}; }

Result<DeleteResult> delete_lineages(const std::string& config_dir, const std::vector<std::string>& names) {
  if (names.empty()) return make_error(ErrorKind::kInvalidArgument, "delete needs --cert-name");
  store::LineageStore lineages(config_dir);
  DeleteResult out;
  for (const auto& n : names) {
    ACMEKIT_CHECK(lineages.remove(n));
    out.deleted.push_back(n);
  }
  return out;
}

}  // namespace acmekit::client
