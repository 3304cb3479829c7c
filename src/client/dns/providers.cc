#include "client/dns/providers.h"

#include <array>

#include "client/dns/acmedns.h"
#include "client/dns/azure.h"
#include "client/dns/cloudflare.h"
#include "client/dns/digitalocean.h"
#include "client/dns/gandi.h"
#include "client/dns/google.h"
#include "client/dns/hetzner.h"
#include "client/dns/http_pool.h"
#include "client/dns/linode.h"
#include "client/dns/ovh.h"
#include "client/dns/powerdns.h"
#include "client/dns/route53.h"
#include "core/http/curl_client.h"

namespace acmekit::client::dns_api {
namespace {

constexpr std::array kProviders{
    ProviderInfo{"acmedns", "acme-dns",
                 "dns_acmedns_api_url, dns_acmedns_registration_file (JSON accounts by domain; "
                 "a new domain is registered there)",
                 &make_acmedns},
    ProviderInfo{"azure", "Azure DNS",
                 "dns_azure_sp_client_id, dns_azure_sp_client_secret, dns_azure_tenant_id; "
                 "dns_azure_zoneN = ZONE:/subscriptions/ID/resourceGroups/NAME, or dns_azure_subscription_id + "
                 "dns_azure_resource_group; optional dns_azure_environment, dns_azure_authority_url, dns_azure_api_url",
                 &make_azure},
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
    ProviderInfo{"google", "Google Cloud DNS",
                 "the service account key as downloaded: type, client_email, private_key, private_key_id, "
                 "token_uri, project_id; optional members dns_google_project, dns_google_api_url",
                 &make_google, CredentialsFormat::kJson},
    ProviderInfo{"hetzner", "Hetzner DNS", "dns_hetzner_api_token; optional dns_hetzner_api_url", &make_hetzner},
    ProviderInfo{"linode", "Linode", "dns_linode_key; optional dns_linode_api_url", &make_linode},
    ProviderInfo{"ovh", "OVH",
                 "dns_ovh_endpoint (ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca, soyoustart-eu, soyoustart-ca, "
                 "or the API's URL), dns_ovh_application_key, dns_ovh_application_secret, dns_ovh_consumer_key",
                 &make_ovh},
    ProviderInfo{"powerdns", "PowerDNS", "dns_powerdns_api_url, dns_powerdns_api_key; optional dns_powerdns_server_id",
                 &make_powerdns},
    ProviderInfo{"route53", "Route 53",
                 "aws_access_key_id + aws_secret_access_key [+ aws_session_token], or profile = NAME of "
                 "~/.aws/credentials; optional dns_route53_api_url. Without the file: AWS_ACCESS_KEY_ID + "
                 "AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN], else ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE, "
                 "AWS_PROFILE); the API URL from AWS_ENDPOINT_URL_ROUTE_53",
                 &make_route53, CredentialsFormat::kIni, true},
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
  if (credentials_path.empty() && !info->credentials_optional) {
    return make_error(ErrorKind::kInvalidArgument, std::string("--") + std::string(authenticator) + " needs --" +
                                                       std::string(authenticator) + "-credentials FILE");
  }
  CredentialsFile credentials;
  if (!credentials_path.empty()) {
    ACMEKIT_TRY(credentials, info->format == CredentialsFormat::kJson ? CredentialsFile::load_json(credentials_path)
                                                                      : CredentialsFile::load(credentials_path));
  }
  // One connection per zone updated at once (http_pool.h).
  std::vector<std::unique_ptr<http::Client>> connections;
  for (int i = 0; i < kDefaultParallelZones; ++i) {
    ACMEKIT_TRY(std::unique_ptr<http::CurlClient> http,
                http::CurlClient::create(http::ClientOptions{.ca_bundle = ca_bundle}));
    connections.push_back(std::move(http));
  }
  return info->make(credentials, std::make_shared<HttpPool>(std::move(connections)));
}

}  // namespace acmekit::client::dns_api
