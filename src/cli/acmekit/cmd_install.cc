// acmekit install / run (certbot's installer verbs): flags ->
// client::install_certificate (after client::certonly for run), rendered.
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/install_certificate.h"
#include "client/report_json.h"

namespace acmekit::cli {
namespace fs = std::filesystem;

namespace {

std::string absolute(const std::string& path) { return path.empty() ? "" : fs::absolute(path).string(); }

// The one installer the flags name.
Result<client::install::WebServerKind> installer_kind(bool nginx, bool apache, const std::string& by_name) {
  int count = (nginx ? 1 : 0) + (apache ? 1 : 0);
  std::optional<client::install::WebServerKind> kind;
  if (nginx) kind = client::install::WebServerKind::kNginx;
  if (apache) kind = client::install::WebServerKind::kApache;
  if (!by_name.empty()) {
    auto named = client::install::parse_web_server_kind(by_name);
    if (!kind || kind != named) ++count;
    kind = named;
  }
  if (count != 1 || !kind) return make_error(ErrorKind::kInvalidArgument, "choose one installer: --nginx or --apache");
  return *kind;
}

client::InstallCertRequest request_for(const GlobalOptions& g, const std::string& cert_name,
                                       client::install::WebServerKind kind, const client::install::WebServerSettings& where,
                                       const InstallOptions& o) {
  return {.config_dir = g.config_dir,
          .cert_name = cert_name,
          .kind = kind,
          .where = where,
          .redirect = o.redirect && !o.no_redirect,
          .hsts = o.hsts,
          .https_port = o.https_port,
          .dry_run = o.dry_run};
}

void render_install(const client::InstallCertResult& r) {
  if (r.dry_run) {
    std::cout << r.diff;
    std::cout << (r.diff.empty() ? "No change to the " + r.installer + " configuration.\n"
                                 : "(dry run: nothing was changed)\n");
    return;
  }
  if (r.changed.empty() && r.created.empty()) {
    std::cout << "The certificate of " << r.cert_name << " is already installed in " << r.installer
              << "; nothing changed." << std::endl;
    return;
  }
  std::cout << "Deployed the certificate of " << r.cert_name << " to " << r.installer << ".\n";
  for (const auto& f : r.changed) std::cout << "Changed:  " << f << "\n";
  for (const auto& f : r.created) std::cout << "Created:  " << f << "\n";
  std::cout << "Backup:   " << r.backup_dir << "\n";
  if (r.reloaded) std::cout << r.installer << " was reloaded.\n";
  std::cout << std::flush;
}

}  // namespace

int cmd_install(const GlobalOptions& global, const InstallOptions& o) {
  auto kind = installer_kind(o.nginx, o.apache, o.installer);
  if (!kind) return report_error(kind.error());
  const client::install::WebServerSettings where{.nginx_server_root = absolute(o.nginx_server_root),
                                                  .nginx_ctl = o.nginx_ctl,
                                                  .apache_server_root = absolute(o.apache_server_root),
                                                  .apache_ctl = o.apache_ctl};
  auto result = client::install_certificate(request_for(global, o.cert_name, *kind, where, o));
  if (!result) return report_error(result.error());
  if (global.json) {
    std::cout << result->to_json().dump(2) << std::endl;
  } else if (!global.quiet) {
    render_install(*result);
  }
  return kExitOk;
}

int cmd_run(const GlobalOptions& global, const CertonlyOptions& certonly, const InstallOptions& install) {
  // certbot's run: --nginx is the authenticator and the installer; another
  // authenticator (--webroot, ...) may be combined with -i nginx.
  auto kind = installer_kind(certonly.nginx, certonly.apache, install.installer);
  if (!kind) return report_error(kind.error());
  CertonlyOptions auth = certonly;
  const bool dns_provider = std::any_of(auth.dns_providers.begin(), auth.dns_providers.end(),
                                       [](const auto& p) { return p.second.enabled; });
  if ((auth.standalone || auth.webroot || auth.manual || auth.dns_rfc2136 || dns_provider ||
       !auth.authenticator.empty()) &&
      (auth.nginx || auth.apache)) {
    auth.nginx = auth.apache = false;  // -a/--webroot names the authenticator; --nginx the installer
  }
  auto obtained = run_certonly(global, auth, std::string(client::install::to_string(*kind)));
  if (!obtained) return report_error(obtained.error());
  const bool dry_run = obtained->outcome == client::CertonlyResult::Outcome::kDryRun;
  InstallOptions o = install;
  o.dry_run = dry_run;
  const client::install::WebServerSettings where{.nginx_server_root = absolute(certonly.nginx_server_root),
                                                  .nginx_ctl = certonly.nginx_ctl,
                                                  .apache_server_root = absolute(certonly.apache_server_root),
                                                  .apache_ctl = certonly.apache_ctl};
  auto request = request_for(global, obtained->cert_name.value_or(""), *kind, where, o);
  // --dry-run saved no lineage: the diff installs the names it would have.
  if (dry_run) request.names = obtained->names;
  auto installed = client::install_certificate(request);
  if (!installed) {
    // The certificate is saved; the server keeps its old configuration.
    if (!global.quiet && !global.json) render_certonly(*obtained);
    return report_error(installed.error());
  }
  if (global.json) {
    auto j = obtained->to_json();
    j["install"] = installed->to_json();
    std::cout << j.dump(2) << std::endl;
  } else if (!global.quiet) {
    render_certonly(*obtained);
    render_install(*installed);
  }
  return kExitOk;
}

}  // namespace acmekit::cli
