// Account verbs: client/account_ops.h, rendered.
#include <iostream>

#include "cli/acmekit/commands.h"
#include "cli/acmekit/output.h"
#include "client/account_ops.h"
#include "client/known_servers.h"

namespace acmekit::cli {
namespace {

client::AccountRequest request(const GlobalOptions& g) {
  return {.config_dir = g.config_dir,
          .server = client::resolve_server(g.server, g.staging),
          .ca_bundle = g.ca_bundle,
          .email = g.email,
          .register_unsafely_without_email = g.register_unsafely_without_email,
          .agree_tos = g.agree_tos,
          .eab_kid = g.eab_kid,
          .eab_hmac_key = g.eab_hmac_key};
}

std::string contact_text(const client::AccountResult& a) {
  std::string out;
  for (const auto& c : a.contact) out += (out.empty() ? "" : ", ") + c;
  return out.empty() ? "(none)" : out;
}

// The result as JSON, or the human line(s) `human` makes of it.
int print(const GlobalOptions& g, const Result<client::AccountResult>& r,
          std::string (*human)(const client::AccountResult&)) {
  if (!r) return report_error(r.error());
  if (g.json) std::cout << r->to_json().dump(2) << std::endl;
  else if (!g.quiet) std::cout << human(*r) << std::endl;
  return kExitOk;
}

}  // namespace

int cmd_register(const GlobalOptions& g) {
  return print(g, client::register_account(request(g)),
               [](const client::AccountResult& a) { return "Registered account " + a.url; });
}

int cmd_show_account(const GlobalOptions& g) {
  return print(g, client::show_account(request(g)), [](const client::AccountResult& a) {
    std::string out = "Account URL: " + a.url + "\nStatus: " + a.status + "\nContact: " + contact_text(a);
    // draft-ietf-acme-profiles §3: clients SHOULD show the profiles offered.
    if (a.profiles && a.profiles->empty()) out += "\nProfiles: (the CA offers none)";
    if (a.profiles && !a.profiles->empty()) {
      out += "\nProfiles offered by the CA:";
      for (const auto& p : *a.profiles) out += "\n  " + p.name + (p.description.empty() ? "" : ": " + p.description);
    }
    return out;
  });
}

int cmd_update_account(const GlobalOptions& g) {
  return print(g, client::update_account(request(g)), [](const client::AccountResult& a) {
    return "Updated account " + a.url + "; contact: " + contact_text(a);
  });
}

int cmd_unregister(const GlobalOptions& g) {
  return print(g, client::unregister_account(request(g)),
               [](const client::AccountResult& a) { return "Deactivated account " + a.url; });
}

int cmd_rollover_key(const GlobalOptions& g) {
  return print(g, client::rollover_key(request(g)),
               [](const client::AccountResult& a) { return "Account " + a.url + " now uses a new key"; });
}

}  // namespace acmekit::cli
