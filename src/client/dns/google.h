// Google Cloud DNS through its API v1 (cloud.google.com/dns/docs/reference/v1),
// as certbot-dns-google: the project's managed zones (GET
// projects/P/managedZones, pageToken paging; the longest public dnsName
// holding the name), a TXT rrset read with GET .../rrsets?name=&type=TXT, and
// ONE change per zone (POST .../changes {additions, deletions}) for all its
// names: an rrset holds every value of a name, so adding replaces it with the
// union and removing ours replaces it with the rest (or just deletes it).
// Auth: the service account's key signs an RS256 JWT (RFC 7523 §2.1;
// developers.google.com/identity/protocols/oauth2/service-account) that the
// token_uri trades for a Bearer token.
// Credentials: the service account's JSON key file as downloaded (certbot's
// dns_google_credentials), mode 0600, with
//   type = service_account, client_email, private_key (PEM), private_key_id,
//   token_uri, project_id
// and acmekit's optional members
//   dns_google_project   another project than project_id (certbot's --dns-google-project)
//   dns_google_api_url   another API base, for tests (default https://dns.googleapis.com/dns/v1)
#pragma once

#include <memory>
#include <string>

#include "client/dns/api_client.h"
#include "client/dns/credentials_file.h"
#include "client/dns/provider.h"

namespace acmekit::client::dns_api {

inline constexpr const char* kGoogleDnsApi = "https://dns.googleapis.com/dns/v1";
inline constexpr const char* kGoogleTokenUri = "https://oauth2.googleapis.com/token";
inline constexpr const char* kGoogleDnsScope = "https://www.googleapis.com/auth/ndev.clouddns.readwrite";

Result<std::unique_ptr<Provider>> make_google(const CredentialsFile& credentials,
                                              std::shared_ptr<http::Client> http);

// The signed JWT assertion (header.claims.signature, base64url) for the
// service account at iat (seconds since the epoch): header {"alg":"RS256",
// "kid":private_key_id,"typ":"JWT"}, claims {iss, scope, aud = token_uri,
// iat, exp = iat + 3600}. Exposed for the unit tests.
Result<std::string> google_jwt_assertion(const CredentialsFile& credentials, long iat);

}  // namespace acmekit::client::dns_api
