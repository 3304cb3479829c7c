// Azure DNS through Azure Resource Manager, API version 2018-05-01
// (learn.microsoft.com/rest/api/dns), as certbot-dns-azure and lego's
// azuredns: a service principal's client credentials (RFC 6749 §4.4) traded
// at login.microsoftonline.com/TENANT/oauth2/v2.0/token for a Bearer token
// (scope https://management.azure.com/.default); the zones either as
// certbot-dns-azure maps them (dns_azure_zoneN) or listed in one resource
// group (GET .../dnsZones, nextLink paging); each name's TXT record set read
// (GET .../dnsZones/Z/TXT/REL) and written whole: add = PUT the union,
// remove ours = PUT the rest, or DELETE when nothing else is left. ARM has no
// batch for record sets: one GET + PUT per name.
// Credentials (certbot-dns-azure's keys, service principal only):
//   dns_azure_sp_client_id, dns_azure_sp_client_secret, dns_azure_tenant_id
//   dns_azure_zone1 = example.com:/subscriptions/SUB/resourceGroups/RG   (any number: dns_azure_zoneN)
// or, instead of zone mappings, lego's subscription + resource group, whose zones are listed:
//   dns_azure_subscription_id, dns_azure_resource_group
// optional:
//   dns_azure_environment   AzurePublicCloud (default), AzureUSGovernmentCloud, AzureChinaCloud
//   dns_azure_authority_url another login endpoint, for tests (default by environment:
//                           https://login.microsoftonline.com)
//   dns_azure_api_url       another ARM endpoint, for tests (default by environment:
//                           https://management.azure.com)
#pragma once

#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kAzureDnsApiVersion = "2018-05-01";

Result<std::unique_ptr<Provider>> make_azure(const CredentialsFile& credentials, std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
