// `acmekit-ca va` (a remote validation perspective, Baseline Requirements
// §3.2.2.9) and `acmekit-ca va-credentials` (its certificate bundle).
#include <iostream>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "cli/acmekit-ca/commands.h"
#include "cli/acmekit-ca/long_running.h"
#include "core/http/server.h"
#include "server/va/remote/credentials.h"
#include "server/va/remote/va_service.h"
#include "server/va/validator.h"

namespace acmekit::ca_cli {

int run_va(const VaOptions& o) {
  block_stop_signals();

  auto bundle = server::va::remote::load_va_bundle(o.credentials);
  if (!bundle) return fail("perspective credentials", bundle.error());
  // The same validation as the CA's own (validator.h), from this
  // perspective's network: its DNS, hosts file and address policy.
  server::va::ValidatorOptions options{.http01_port = o.http01_port,
                                       .tlsalpn01_port = o.tlsalpn01_port,
                                       .dns_resolvers = o.dns_resolvers};
  if (!o.hosts_file.empty()) {
    auto hosts = server::va::read_hosts_file(o.hosts_file);
    if (!hosts) return fail("hosts file", hosts.error());
    options.hosts = std::move(*hosts);
  }
  auto policy = server::va::AddressPolicy::allowing(o.validation_allow_cidrs);
  if (!policy) return fail("validation address policy", policy.error());
  options.address_policy = *policy;
  auto validator = server::va::make_validator(options);
  server::va::remote::VaService service(*validator, options);
  // Mutual TLS: only a client certificate of the CA's MPIC root (EKU
  // clientAuth) gets a request through.
  auto server = http::Server::start({.listen = o.listen,
                                     .name = "validation perspective",
                                     .tls_chain_pem = bundle->cert_pem,
                                     .tls_key_pem = bundle->key_pem,
                                     .tls_client_ca_pem = bundle->ca_pem,
                                     .threads = 4},
                                    [&service](const http::ServerRequest& r) { return service.handle(r); });
  if (!server) return fail("the perspective's listener", server.error());
  const std::string host = host_of(o.listen);
  spdlog::info("acmekit-ca va serving https://{}:{}/ (client certificates of {}), http-01 port {}, tls-alpn-01 port "
               "{}, validation address policy: reserved addresses refused{}",
               host.find(':') != std::string::npos ? "[" + host + "]" : host, (*server)->port(),
               o.credentials + "/ca.pem", o.http01_port, o.tlsalpn01_port,
               o.validation_allow_cidrs.empty() ? std::string()
                                                : fmt::format(" except {}", fmt::join(o.validation_allow_cidrs, ", ")));
  wait_for_stop_signal();
  (*server)->stop();
  return kExitOk;
}

int run_va_credentials(const VaCredentialsOptions& o) {
  auto hosts = o.hosts.empty() ? std::vector<std::string>{o.name} : o.hosts;
  if (auto ok = server::va::remote::issue_va_bundle(o.data_dir, o.name, hosts, o.out); !ok) {
    std::cerr << "acmekit-ca: error: " << ok.error().message() << "\n";
    return kExitFailure;
  }
  std::cout << fmt::format("{}/ca.pem, {}/va.pem, {}/va.key.pem: perspective {} for {}; run `acmekit-ca va "
                           "--credentials DIR` with them and serve with --remote-va {}=https://{}:PORT\n",
                           o.out, o.out, o.out, o.name, fmt::join(hosts, ", "), o.name,
                           hosts.front().find(':') != std::string::npos ? "[" + hosts.front() + "]" : hosts.front());
  return kExitOk;
}

}  // namespace acmekit::ca_cli
