// Amazon Route 53 through its REST API (API version 2013-04-01, XML; the
// Route 53 API Reference), signed with SigV4 (aws_sigv4.h; service
// "route53", region "us-east-1"):
//   ListHostedZones           GET  /2013-04-01/hostedzone?maxitems=100[&marker=M]
//                             (IsTruncated/NextMarker pages; private zones skipped)
//   ListResourceRecordSets    GET  /2013-04-01/hostedzone/ID/rrset?name=N&type=TXT&maxitems=1
//   ChangeResourceRecordSets  POST /2013-04-01/hostedzone/ID/rrset, ONE ChangeBatch per zone
//   GetChange                 GET  /2013-04-01/change/ID (after adding: until INSYNC, bounded)
// A Route 53 rrset holds every value of a name, so adding UPSERTs the union
// of the values there and ours, and deleting UPSERTs what is left, or
// DELETEs the rrset (naming its exact current values and TTL) when only ours
// were there.
//
// Credentials, the first of (as the AWS SDKs, with the explicit file first):
//   1. --dns-route53-credentials FILE (optional; mode 0600) with
//        aws_access_key_id = AKIA...      aws_secret_access_key = ...
//        aws_session_token = ...          (optional, temporary credentials)
//      or only `profile = NAME`: that profile of the shared credentials file;
//   2. the environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN;
//   3. the shared credentials file: AWS_SHARED_CREDENTIALS_FILE, else
//      ~/.aws/credentials, profile AWS_PROFILE, else "default".
// The API's base URL: the file's dns_route53_api_url, else the AWS SDKs'
// AWS_ENDPOINT_URL_ROUTE_53, else https://route53.amazonaws.com (tests point
// it at a local fake). `renew` reads the environment it runs in (as
// certbot-dns-route53's boto does): a renewal from cron or systemd needs the
// variables there, or a credentials file (whose path the renewal conf keeps).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "client/dns/api_client.h"
#include "client/dns/aws_sigv4.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kRoute53Api = "https://route53.amazonaws.com";

struct Route53Settings {
  AwsCredentials credentials;
  std::string endpoint;  // no final "/"
  std::string source;    // where the credentials came from, for errors ("the environment")
};

// An environment variable's value, nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;

// The credentials and endpoint by the order above. Missing credentials:
// kInvalidArgument, one line naming where acmekit looked; never a secret.
Result<Route53Settings> route53_settings(const CredentialsFile& file, const EnvLookup& env);

struct Route53Options {
  std::function<void(std::chrono::seconds)> sleep;           // waits (tests record them)
  std::function<std::chrono::system_clock::time_point()> now;  // the signing time
  std::chrono::seconds insync_timeout{120};                  // GetChange polling bound
  std::chrono::seconds insync_interval{2};
};

std::unique_ptr<Provider> make_route53_provider(Route53Settings settings, std::shared_ptr<http::Client> http,
                                                Route53Options options = {});

// The registry's: settings from the file (empty when none) and the process environment.
Result<std::unique_ptr<Provider>> make_route53(const CredentialsFile& credentials, std::shared_ptr<http::Client> http);

}  // namespace acmekit::client::dns_api
