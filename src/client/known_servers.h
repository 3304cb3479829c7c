// Known ACME CAs by short name (certbot users type URLs, lego users names).
#pragma once

#include <string>

namespace acmekit::client {

// The directory URL for a short name ("letsencrypt", "zerossl", ...), Let's
// Encrypt's staging server with `staging`, else `server` as it is (a URL).
std::string resolve_server(const std::string& server, bool staging);

}  // namespace acmekit::client
