#include "client/dns/providers.h"

#include <array>

#include "client/dns/acmedns.h"
#include "client/dns/cloudflare.h"
#include "client/dns/digitalocean.h"
#include "client/dns/gandi.h"
#include "client/dns/hetzner.h"
#include "client/dns/linode.h"
#include "client/dns/ovh.h"
#include "client/dns/powerdns.h"
#include "core/http/curl_client.h"

namespace acmekit::client::dns_api {
namespace {

constexpr std::array kProviders{
    ProviderInfo{"acmedns", "acme-dns",
                 "dns_acmedns_api_url, dns_acmedns_registration_file (JSON accounts by domain; "
                 "a new domain is registered there)",
                 &make_acmedns},
    ProviderInfo{"cloudflare", "Cloudflare",
                 "dns_cloudflare_api_token, or dns_cloudflare_email + dns_cloudflare_api_key; "
                 "optional dns_cloudflare_api_url",
                 &make_cloudflare},
    ProviderInfo{"digitalocean", "DigitalOcean", "dns_digitalocean_token; optional dns_digitalocean_api_url",
                 &make_digitalocean},
    ProviderInfo{"gandi", "Gandi LiveDNS",
                 "dns_gandi_token (a Personal Access Token), or the legacy dns_gandi_api_key; "
                 "optional dns_gandi_api_url",
                 &make_gandi},
    ProviderInfo{"hetzner", "Hetzner DNS", "dns_hetzner_api_token; optional dns_hetzner_api_url", &make_hetzner},
    ProviderInfo{"linode", "Linode", "dns_linode_key; optional dns_linode_api_url", &make_linode},
    ProviderInfo{"ovh", "OVH",
                 "dns_ovh_endpoint (ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, soyoustart-eu, soyoustart-ca, "
                 "or the API's URL), dns_ovh_application_key, dns_ovh_application_secret, dns_ovh_consumer_key",
                 &make_ovh},
    ProviderInfo{"powerdns", "PowerDNS", "dns_powerdns_api_url, dns_powerdns_api_key; optional dns_powerdns_server_id",
                 &make_powerdns},
};

}  // namespace

std::span<const ProviderInfo> providers() { return kProviders; }

const ProviderInfo* find_provider(std::string_view authenticator) {
  if (!authenticator.starts_with("dns-")) return nullptr;
  authenticator.remove_prefix(4);
  for (const auto& p : kProviders) {
    if (authenticator == p.name) return &p;
  }
  return nullptr;
}

Result<std::unique_ptr<Provider>> make_provider(std::string_view authenticator, const std::string& credentials_path,
                                                const std::string& ca_bundle) {
  const ProviderInfo* info = find_provider(authenticator);
  if (info == nullptr) {
    return make_error(ErrorKind::kInvalidArgument, "unknown DNS provider \"" + std::string(authenticator) + "\"");
  }
  if (credentials_path.empty()) {
    return make_error(ErrorKind::kInvalidArgument, std::string("--") + std::string(authenticator) + " needs --" +
                                                       std::string(authenticator) + "-credentials FILE");
  }
  ACMEKIT_TRY(const CredentialsFile credentials, CredentialsFile::load(credentials_path));
  ACMEKIT_TRY(std::unique_ptr<http::CurlClient> http, http::CurlClient::create(http::ClientOptions{.ca_bundle = ca_bundle}));
  return info->make(credentials, std::shared_ptr<http::Client>(std::move(http)));
}

}  // namespace acmekit::client::dns_api
