#include "client/certonly.h"

#include <algorithm>
#include <filesystem>
#include <iterator>
#include <set>

#include <fmt/format.h>

#include <spdlog/spdlog.h>

#include "client/obtain.h"
#include "client/renewal/due.h"
#include "client/report_json.h"
#include "client/store/accounts.h"
#include "client/store/atomic_file.h"
#include "client/store/lineages.h"
#include "client/store/live_leaf.h"
#include "client/store/revocations.h"
#include "core/crypto/certificate.h"
#include "core/crypto/csr.h"
#include "core/wire/json.h"
#include "core/wire/renewal_info.h"

namespace acmekit::client {
namespace fs = std::filesystem;

nlohmann::json CertonlyResult::to_json() const {
  nlohmann::json j{{"format", kJsonFormat},
                   {"status", outcome == Outcome::kIssued      ? "issued"
                              : outcome == Outcome::kUnchanged ? "unchanged"
                                                               : "dry_run"},
                   {"names", names},
                   {"serial", serial},
                   {"issuer", issuer},
                   {"not_after", iso8601(not_after)},
                   {"cert_name", cert_name ? nlohmann::json(*cert_name) : nlohmann::json(nullptr)},
                   {"paths",
                    {{"cert", cert},
                     {"chain", chain},
                     {"fullchain", fullchain},
                     {"privkey", privkey ? nlohmann::json(*privkey) : nlohmann::json(nullptr)}}}};
  if (outcome != Outcome::kUnchanged) {
    j["account_url"] = account_url;
    j["profile"] = profile.empty() ? nlohmann::json(nullptr) : nlohmann::json(profile);
  }
  return j;
}

namespace {

std::set<std::string> names_of(const crypto::CertificateInfo& leaf) {
  std::set<std::string> have(leaf.dns_names.begin(), leaf.dns_names.end());
  have.insert(leaf.ip_addresses.begin(), leaf.ip_addresses.end());
  return have;
}

std::string join(const std::set<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string join_missing(const std::set<std::string>& want, const std::set<std::string>& have) {
  std::set<std::string> missing;
  std::ranges::set_difference(want, have, std::inserter(missing, missing.end()));
  return join(missing);
}

}  // namespace

Result<CertonlyResult> certonly(const CertonlyRequest& r, const Clock& clock) {
  LineageSettings settings = r.settings;
  // What to certify: -d names, or the names of --csr.
  std::optional<std::string> csr_der;
  if (!r.csr_path.empty()) {
    ACMEKIT_TRY(auto csr_text, store::read_file(r.csr_path));
    auto csr = crypto::parse_csr(csr_text);
    if (!csr) return std::unexpected(std::move(csr).error().with_context("--csr " + r.csr_path));
    settings.names = csr->dns_names;
    settings.names.insert(settings.names.end(), csr->ip_addresses.begin(), csr->ip_addresses.end());
    if (settings.names.empty() && !csr->common_name.empty()) settings.names.push_back(csr->common_name);
    csr_der = csr->der;
  }
  if (settings.names.empty()) return make_error(ErrorKind::kInvalidArgument, "no names given: use -d NAME");
  // The first name, "*." dropped as certbot does: live/example.com/ for
  // -d '*.example.com'.
  std::string cert_name = r.cert_name.empty() ? settings.names.front() : r.cert_name;
  if (r.cert_name.empty() && cert_name.starts_with("*.")) cert_name.erase(0, 2);
  if (!csr_der) ACMEKIT_CHECK(store::LineageStore::check_name(cert_name));

  store::LineageStore lineages(r.config_dir);
  std::set<std::string> want;
  for (const auto& n : settings.names) want.insert(wire::identifier_for(n).value);
  // Which lineage (certbot's rules). With --cert-name: that one, whatever
  // names it had. Otherwise the first name's: when it covers other names,
  // adding names to it needs --expand, and a set that is not a superset of
  // its names goes to a new lineage NAME-0001 (-0002, ...), as certbot does.
  std::optional<crypto::CertificateInfo> leaf;
  if (!csr_der) {
    leaf = store::live_leaf(lineages, cert_name);
    if (leaf && r.cert_name.empty() && names_of(*leaf) != want) {
      const auto have = names_of(*leaf);
      if (std::ranges::includes(want, have)) {
        if (!r.expand) {
          return make_error(ErrorKind::kInvalidArgument,
                            "the certificate " + cert_name + " covers " + join(have) + "; to add " +
                                join_missing(want, have) + " to it use --expand (or --cert-name " + cert_name +
                                " to set its names)");
        }
        spdlog::info("{}: expanding to {} (--expand)", cert_name, join(want));
      } else {
        const std::string base = cert_name;
        for (int n = 1;; ++n) {
          cert_name = fmt::format("{}-{:04d}", base, n);
          leaf = store::live_leaf(lineages, cert_name);
          if (!leaf && !std::filesystem::exists(lineages.live_paths(cert_name).cert.parent_path())) break;
          if (leaf && names_of(*leaf) == want) break;
        }
        spdlog::info("{} covers {}, not these names: this certificate is lineage {}", base, join(have), cert_name);
      }
    }
  }

  // certbot's rule, which cron jobs rely on: a lineage that already covers
  // exactly these names and is not due stays as it is (no order, no rate
  // limit spent) unless --force-renewal (or --dry-run, which always
  // orders); otherwise the new order replaces it.
  std::string replaces;
  if (leaf) {
    const auto have = names_of(*leaf);
    // RFC 9773 §5: a clear predecessor from the same CA, sharing a name.
    auto conf = lineages.read_renewal(cert_name);
    const bool same_ca = conf && conf->params.contains("server") && conf->params.at("server") == settings.server;
    const bool shares_name = std::ranges::any_of(want, [&](const std::string& n) { return have.contains(n); });
    if (same_ca && shares_name && !r.dry_run) {
      if (auto id = wire::ari_certificate_id(*leaf)) replaces = *id;
    }
    if (!r.force_renewal && !r.dry_run) {
      // A certificate we revoked (RFC 8555 §7.6) is due however young it is.
      ACMEKIT_TRY(const bool revoked, store::is_revoked(lineages, cert_name, leaf->der));
      auto due = renewal::renewal_due(leaf->not_before, leaf->not_after, clock.now(), nullptr,
                                      revoked ? renewal::Revocation::kRevoked : renewal::Revocation::kNotKnown);
      if (revoked) spdlog::info("{}: {}; obtaining a new one", cert_name, due.reason);
      if (have == want && !due.due) {
        spdlog::info("{}: certificate not yet due for renewal ({}); no action taken", cert_name, due.reason);
        const auto paths = lineages.live_paths(cert_name);
        return CertonlyResult{.outcome = CertonlyResult::Outcome::kUnchanged,
                              .names = settings.names,
                              .serial = leaf->serial_hex,
                              .issuer = leaf->issuer_cn,
                              .not_after = leaf->not_after,
                              .cert_name = cert_name,
                              .cert = paths.cert.string(),
                              .chain = paths.chain.string(),
                              .fullchain = paths.fullchain.string(),
                              .privkey = paths.privkey.string()};
      }
    }
  }

  // certbot asks for an address; without a terminal it refuses. So do we.
  store::AccountStore accounts(r.config_dir);
  ACMEKIT_TRY(auto existing, accounts.list(settings.server));
  if (existing.empty() && !r.account.email && !r.register_unsafely_without_email) {
    return make_error(ErrorKind::kInvalidArgument,
                      "a new account needs --email ADDR or --register-unsafely-without-email");
  }

  std::optional<crypto::PrivateKey> reuse_key;
  if (!csr_der) {
    ACMEKIT_TRY(reuse_key, key_to_reuse(r.config_dir, cert_name, settings, r.new_key));
  }
  ACMEKIT_TRY(auto obtained,
              obtain_certificate(settings, r.account, r.config_dir, csr_der, nullptr, replaces, std::move(reuse_key)));
  const auto& issued = obtained.issued;
  settings.account = obtained.account.id;

  CertonlyResult out{.outcome = CertonlyResult::Outcome::kIssued,
                     .names = settings.names,
                     .serial = issued.leaf.serial_hex,
                     .issuer = issued.leaf.issuer_cn,
                     .not_after = issued.leaf.not_after,
                     .account_url = obtained.account.url,
                     .profile = issued.profile};
  if (r.dry_run) {
    // certbot's "The dry run was successful": nothing is written.
    out.outcome = CertonlyResult::Outcome::kDryRun;
    if (!csr_der) out.cert_name = cert_name;
    return out;
  }
  // Install: a lineage, or with --csr the three files asked for.
  if (csr_der) {
    ACMEKIT_CHECK(store::write_file_atomic(r.cert_path, issued.cert_pem));
    ACMEKIT_CHECK(store::write_file_atomic(r.chain_path, issued.chain_pem));
    ACMEKIT_CHECK(store::write_file_atomic(r.fullchain_path, issued.fullchain_pem));
    out.cert = fs::absolute(r.cert_path).string();
    out.chain = fs::absolute(r.chain_path).string();
    out.fullchain = fs::absolute(r.fullchain_path).string();
    return out;
  }
  // certonly on a lineage that `run --nginx` made: renewals go on
  // reloading nginx (certbot keeps the installer key too).
  if (auto conf = lineages.read_renewal(cert_name)) {
    if (auto saved = LineageSettings::from_config(*conf)) settings.keep_installer_of(*saved);
  }
  ACMEKIT_TRY(auto paths, lineages.install(cert_name, issued.lineage_files(), settings.to_config()));
  out.cert_name = cert_name;
  out.cert = paths.cert.string();
  out.chain = paths.chain.string();
  out.fullchain = paths.fullchain.string();
  out.privkey = paths.privkey.string();
  return out;
}

}  // namespace acmekit::client
