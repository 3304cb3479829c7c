// acmekit-docgen: writes acmekit(1), acmekit-ca(8) and both programs' bash
// completion from the CLI::App objects that parse their command lines
// (cli/acmekit/app.cc, cli/acmekit-ca/app.cc). Run by the build:
//   acmekit-docgen man|bash acmekit|acmekit-ca DATE OUT
#include <fstream>
#include <iostream>

#include "cli/acmekit-ca/app.h"
#include "cli/acmekit/app.h"
#include "cli/docgen/bash_completion.h"
#include "cli/docgen/man_page.h"
#include "core/version.h"

namespace acmekit::docgen {
namespace {

// What a man page says beyond --help: who it is for and how it fits.
ManPageInfo acmekit_page() {
  return {.program = "acmekit",
          .section = 1,
          .manual = "User Commands",
          .description =
              {"acmekit obtains TLS certificates from an ACME certificate authority (RFC 8555) such as "
               "Let's Encrypt or acmekit-ca, keeps them in certbot's layout under the config directory, "
               "and renews them before they expire. Its commands, flags, files and hook variables are "
               "certbot's, so existing scripts, web server configurations and hooks carry over.",
               "Names are proven with http-01 (acmekit's own server, --standalone, or files under a "
               "web server's root, --webroot), tls-alpn-01 (--standalone), or dns-01 (RFC 2136 "
               "dynamic updates, --dns-rfc2136, or your own hooks, --manual). Wildcards and IP "
               "addresses are supported. Renewal follows the CA's renewal information (ARI, RFC 9773) "
               "when it offers it; run acmekit renew from the shipped acmekit-renew.timer, or "
               "acmekit daemon as a service.",
               "Private keys are written with mode 0600 and every file atomically; TLS verification "
               "of the CA is always on. Hooks are run with /bin/sh -c and receive data only through "
               "their environment."},
          .see_also = {"acmekit-ca(8)", "certbot(1)", "systemd.timer(5)"}};
}

ManPageInfo acmekit_ca_page() {
  return {.program = "acmekit-ca",
          .section = 8,
          .manual = "System Administration",
          .description =
              {"acmekit-ca is an ACME (RFC 8555) certificate authority: the server that ACME clients "
               "such as acmekit, certbot and lego obtain, renew and revoke certificates from. It "
               "creates its own root and intermediate on first start, validates http-01, dns-01 and "
               "tls-alpn-01 challenges for real, keeps its state in SQLite, enforces rate limits, "
               "and offers renewal information (RFC 9773).",
               "Settings come from the TOML file given with --config (the Debian package installs "
               "/etc/acmekit-ca/config.toml and runs acmekit-ca serve --config "
               "/etc/acmekit-ca/config.toml as the acmekit-ca user from acmekit-ca.service); every "
               "key has a flag of the same name, and flags win.",
               "The management listener (--management-listen) serves Prometheus metrics on /metrics "
               "and GET /health, which answers 200 when the CA can read and write its database and "
               "503 otherwise, for load balancers and monitoring."},
          .see_also = {"acmekit(1)", "systemd.service(5)"}};
}

std::unique_ptr<CLI::App> app_for(const std::string& program) {
  // The Invocations only hold what a parse would fill in; they must
  // outlive the App, hence static.
  static cli::Invocation acmekit;
  static ca_cli::Invocation acmekit_ca;
  if (program == "acmekit") return cli::make_app(acmekit);
  if (program == "acmekit-ca") return ca_cli::make_app(acmekit_ca);
  return nullptr;
}

int run(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: acmekit-docgen man|bash acmekit|acmekit-ca DATE OUT\n";
    return 2;
  }
  const std::string kind = argv[1], program = argv[2], date = argv[3], out_path = argv[4];
  auto app = app_for(program);
  if (!app || (kind != "man" && kind != "bash")) {
    std::cerr << "acmekit-docgen: unknown " << (app ? "kind " + kind : "program " + program) << "\n";
    return 2;
  }
  const CommandDoc doc = describe(*app);
  std::string text;
  if (kind == "man") {
    ManPageInfo info = program == "acmekit" ? acmekit_page() : acmekit_ca_page();
    info.version = std::string(kVersion);
    info.date = date;
    text = render_man_page(doc, info);
  } else {
    auto script = render_bash_completion(doc, program, std::string(kVersion));
    if (!script) {
      std::cerr << "acmekit-docgen: " << program << ": " << script.error().message() << "\n";
      return 1;
    }
    text = std::move(*script);
  }
  std::ofstream out(out_path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) {
    std::cerr << "acmekit-docgen: cannot write " << out_path << "\n";
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace acmekit::docgen

int main(int argc, char** argv) { return acmekit::docgen::run(argc, argv); }
