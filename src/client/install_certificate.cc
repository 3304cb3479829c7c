#include "client/install_certificate.h"

#include <filesystem>

#include "client/install/transaction.h"
#include "client/lineage_settings.h"
#include "client/report_json.h"
#include "client/store/atomic_file.h"
#include "client/store/config_lock.h"
#include "client/store/lineages.h"

namespace acmekit::client {
namespace fs = std::filesystem;

namespace {

// renewal/NAME.conf with installer = KIND and the server's locations.
Status remember_installer(const store::LineageStore& lineages, const std::string& name, LineageSettings settings,
                          const InstallCertRequest& r) {
  settings.installer = std::string(install::to_string(r.kind));
  settings.nginx_server_root = r.where.nginx_server_root;
  settings.nginx_ctl = r.where.nginx_ctl;
  settings.apache_server_root = r.where.apache_server_root;
  settings.apache_ctl = r.where.apache_ctl;
  ACMEKIT_TRY(auto lock, store::ConfigLock::acquire(lineages.config_dir()));
  return store::write_file_atomic(lineages.config_dir() / "renewal" / (name + ".conf"),
                                  store::format_renewal_config(name, lineages.config_dir(), settings.to_config()),
                                  0644);
}

}  // namespace

nlohmann::json InstallCertResult::to_json() const {
  nlohmann::json j{{"format", kJsonFormat}, {"cert_name", cert_name}, {"installer", installer},
                   {"names", names},         {"changed", changed},     {"created", created},
                   {"reloaded", reloaded},   {"dry_run", dry_run},     {"backup_dir", backup_dir}};
  if (dry_run) j["diff"] = diff;
  return j;
}

Result<InstallCertResult> install_certificate(const InstallCertRequest& r) {
  ACMEKIT_CHECK(store::LineageStore::check_name(r.cert_name));
  store::LineageStore lineages(r.config_dir);
  const bool unsaved = r.dry_run && !r.names.empty();  // run --dry-run
  auto conf = lineages.read_renewal(r.cert_name);
  if (!conf && !unsaved) {
    return make_error(ErrorKind::kNotFound, "no lineage " + r.cert_name + " in " + r.config_dir +
                                                " (renewal/" + r.cert_name + ".conf: " + conf.error().detail + ")");
  }
  LineageSettings settings;
  if (conf) {
    ACMEKIT_TRY(settings, load_lineage_settings(lineages, r.cert_name));
  }
  if (unsaved) settings.names = r.names;
  const auto live = lineages.live_paths(r.cert_name);
  std::error_code ec;
  if (!unsaved && (!fs::exists(live.fullchain, ec) || !fs::exists(live.privkey, ec))) {
    return make_error(ErrorKind::kNotFound, "lineage " + r.cert_name + " has no live certificate");
  }
  ACMEKIT_TRY(auto server, install::make_web_server(r.kind, r.where));
  const install::InstallRequest request{
      .names = settings.names,
      // The live/ links: renewals need no edit, only a reload.
      .paths = {.certificate = fs::absolute(live.fullchain).string(), .key = fs::absolute(live.privkey).string()},
      .redirect = r.redirect,
      .hsts = r.hsts,
      .https_port = r.https_port};
  ACMEKIT_TRY(install::FileEdits edits, server->install_edits(request));
  const std::string kind(install::to_string(r.kind));
  ACMEKIT_TRY(install::AppliedEdits applied,
              install::apply_edits(*server, edits,
                                   {.backup_root = fs::path(r.config_dir) / "backups" / kind, .dry_run = r.dry_run}));
  InstallCertResult out{.cert_name = r.cert_name,
                        .installer = kind,
                        .names = settings.names,
                        .changed = applied.changed,
                        .created = applied.created,
                        .diff = applied.diff,
                        .backup_dir = applied.backup.dir.string(),
                        .reloaded = applied.reloaded,
                        .dry_run = r.dry_run};
  if (!r.dry_run) ACMEKIT_CHECK(remember_installer(lineages, r.cert_name, std::move(settings), r));
  return out;
}

}  // namespace acmekit::client
