// The DNS providers acmekit speaks to, by certbot's plugin names: the
// authenticator "dns-NAME", the flags --dns-NAME, --dns-NAME-credentials
// FILE, --dns-NAME-propagation-seconds, the renewal conf keys
// authenticator = dns-NAME and dns_NAME_credentials = PATH. Adding one: a
// file with make_NAME (on provider.h's interface) and a row here.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"
#include "core/http/client.h"

namespace acmekit::client::dns_api {

// How the --dns-NAME-credentials file is read: certbot's INI, or a JSON
// object (Google's service-account key, taken as certbot-dns-google does).
enum class CredentialsFormat { kIni, kJson };

struct ProviderInfo {
  const char* name;         // "cloudflare": dns-cloudflare, dns_cloudflare_credentials
  const char* title;        // "Cloudflare"
  const char* keys;         // the credentials file's keys, for --help
  Result<std::unique_ptr<Provider>> (*make)(const CredentialsFile&, std::shared_ptr<http::Client>);
  CredentialsFormat format = CredentialsFormat::kIni;
  // The credentials file may be left out (Route 53: the AWS environment or
  // ~/.aws/credentials); make then gets an empty one (origin "").
  bool credentials_optional = false;
};

std::span<const ProviderInfo> providers();
// By authenticator ("dns-cloudflare"); nullptr for others (dns-rfc2136 too).
const ProviderInfo* find_provider(std::string_view authenticator);

// The provider an authenticator names, from its credentials file (0600,
// else refused; required unless credentials_optional), talking HTTPS through libcurl: the system trust store plus
// ca_bundle (--ca-bundle: an internal PowerDNS behind a private CA).
Result<std::unique_ptr<Provider>> make_provider(std::string_view authenticator, const std::string& credentials_path,
                                                const std::string& ca_bundle = {});

}  // namespace acmekit::client::dns_api
