// OVH (and its Kimsufi / So you Start brands) through the OVH API v1
// (api.ovh.com/console, "domain" section; request signing as documented in
// "First steps with the OVHcloud APIs"): the account's zones (GET
// /domain/zone: their names; the longest one holding the name), one POST
// /domain/zone/Z/record per value, then one POST /domain/zone/Z/refresh per
// zone (the zone is published only then); exactly ours deleted (GET
// .../record?fieldType=TXT&subDomain=S for the ids, GET .../record/ID for
// each target, DELETE .../record/ID), then a refresh again.
// Every call but GET /auth/time is signed:
//   X-Ovh-Application: AK   X-Ovh-Consumer: CK   X-Ovh-Timestamp: T (the API's clock)
//   X-Ovh-Signature: "$1$" + hex(SHA1(AS "+" CK "+" METHOD "+" FULL_URL "+" BODY "+" T))
// T is the local time plus the offset to GET /auth/time, asked once.
// Credentials: certbot-dns-ovh's keys,
//   dns_ovh_endpoint = ovh-eu                (ovh-eu, ovh-ca, ovh-us, kimsufi-eu, kimsufi-ca,
//                                             soyoustart-eu, soyoustart-ca, or an API URL)
//   dns_ovh_application_key = AK
//   dns_ovh_application_secret = AS
//   dns_ovh_consumer_key = CK                (its access rules: GET, POST and DELETE on /domain/zone/*)
#pragma once

#include <cstdint>
#include <functional>
#include <memory>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

// The API base URL an endpoint name stands for ("ovh-eu" -> https://eu.api.ovh.com/1.0);
// a URL is itself (without a final slash); empty for an unknown name.
std::string ovh_endpoint_url(std::string_view endpoint);

Result<std::unique_ptr<Provider>> make_ovh(const CredentialsFile& credentials, std::shared_ptr<http::Client> http);
// The same with another clock (Unix seconds), for tests.
Result<std::unique_ptr<Provider>> make_ovh(const CredentialsFile& credentials, std::shared_ptr<http::Client> http,
                                           std::function<std::int64_t()> now);

}  // namespace acmekit::client::dns_api
