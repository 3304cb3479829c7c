// certbot's dns-rfc2136 credentials file (--dns-rfc2136-credentials FILE),
// read the same way, so one file serves both:
//
//   # comments start with # or ;
//   dns_rfc2136_server = 192.0.2.1       # an IP address, not a name
//   dns_rfc2136_port = 53                # optional, default 53
//   dns_rfc2136_name = keyname.          # TSIG key name
//   dns_rfc2136_secret = 4q4wM/2I180UXoMyN4INVhJNi8V9BCV+jMw2mXgZw/CSuxUT8C7NKKFs AmKd7ak51vWKgSl12ib86oQRPkpDjg==
//   dns_rfc2136_algorithm = HMAC-SHA512  # optional, default HMAC-MD5 (certbot's)
//   dns_rfc2136_sign_query = false       # optional: sign the SOA queries too
//
// Other keys (other plugins' settings) are ignored, as certbot does.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/dns/transport.h"
#include "core/dns/tsig.h"
#include "core/dns/update.h"
#include "core/error.h"

namespace acmekit::dns {

// The algorithm when the file names none: certbot's plugin falls back to
// HMAC-MD5, so a file that works with certbot works here unchanged. (The
// algorithm is the key's, fixed by the DNS server; name it in the file.)
inline constexpr TsigAlgorithm kDefaultTsigAlgorithm = TsigAlgorithm::kHmacMd5;

struct Rfc2136Credentials {
  Endpoint server;  // dns_rfc2136_server + dns_rfc2136_port
  TsigKey key;      // dns_rfc2136_name, dns_rfc2136_secret (decoded), dns_rfc2136_algorithm
  bool sign_query = false;
  // The file grants group or others any access (mode & 077). certbot warns
  // and goes on; the caller logs the warning.
  bool insecure_permissions = false;
  std::string path;  // the file read (empty for parse_rfc2136_credentials)
};

// Reads and checks FILE. Errors are kInvalidArgument and name the file and
// the line or key, never the secret:
//   "/etc/acmekit/rfc2136.ini: dns_rfc2136_server is missing"
//   "/etc/acmekit/rfc2136.ini:4: dns_rfc2136_secret is not valid base64"
//   "/etc/acmekit/rfc2136.ini:6: unknown TSIG algorithm 'HMAC-SHA3' (...)"
//   "/etc/acmekit/rfc2136.ini:2: dns_rfc2136_server 'ns1.example.com' is not an IP address"
//   "/etc/acmekit/rfc2136.ini:9: expected 'key = value'"
// An unreadable file is kIo.
Result<Rfc2136Credentials> load_rfc2136_credentials(const std::filesystem::path& file);

// The same on text already read; origin names it in errors.
Result<Rfc2136Credentials> parse_rfc2136_credentials(std::string_view text, std::string_view origin);

// The update server these credentials describe (TCP updates, 10 s timeout).
UpdateServer update_server(const Rfc2136Credentials& credentials);

}  // namespace acmekit::dns
