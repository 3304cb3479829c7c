// Validation authority: performs one challenge validation (RFC 8555 §8.3
// http-01, §8.4 dns-01, RFC 8737 tls-alpn-01) and returns the result. It
// never writes state; the RA records what it returns (Boulder's RA → VA).
// validate() blocks (network I/O); the RA calls it on its own worker
// threads, so many validations run at once without blocking requests.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/wire/types.h"
#include "server/va/address_policy.h"

namespace acmekit::server::va {

struct ValidationRequest {
  wire::Identifier identifier;  // dns name (without "*.") or ip address
  wire::ChallengeType challenge_type = wire::ChallengeType::kHttp01;
  std::string token;
  std::string key_authorization;  // token "." thumbprint (§8.1)
};

struct ValidatorOptions {
  uint16_t http01_port = 80;      // where http-01 connects (Pebble's httpPort)
  uint16_t tlsalpn01_port = 443;  // where tls-alpn-01 connects (Pebble's tlsPort)
  // DNS servers ("HOST:PORT", port 53 if absent) for A/AAAA/TXT/CAA lookups;
  // empty: those of /etc/resolv.conf.
  std::vector<std::string> dns_resolvers;
  // Static name → addresses consulted before DNS for http-01 and
  // tls-alpn-01 (like /etc/hosts or curl --resolve), for tests and
  // closed networks. Never used for dns-01.
  std::map<std::string, std::vector<std::string>> hosts;
  // Which resolved addresses http-01 (every redirect hop) and tls-alpn-01
  // may connect to: by default none in a reserved range (loopback, private,
  // link-local, ...: address_policy.h); --validation-allow-cidr opens some.
  AddressPolicy address_policy;
  std::chrono::milliseconds timeout{10'000};  // per validation attempt
  int max_redirects = 10;                      // http-01 (§8.3)
};

// Errors are ErrorKind::kAcme with the RFC 8555 §6.7 type the client should
// see: "...:connection" (could not connect / timeout), "...:dns" (lookup
// failed, NXDOMAIN, SERVFAIL), "...:unauthorized" (wrong or missing key
// authorization / TXT value), "...:incorrectResponse" (a response that is not
// a valid answer, e.g. a bad redirect), "...:tls" (handshake or certificate
// problem for tls-alpn-01), with a detail naming the address or server used.
class Validator {
 public:
  virtual ~Validator() = default;
  virtual Status validate(const ValidationRequest& request) = 0;
};

std::unique_ptr<Validator> make_validator(const ValidatorOptions& options);

// Reads an /etc/hosts-format file ("ADDR NAME [NAME...]", '#' comments) into
// ValidatorOptions::hosts form. kInvalidArgument naming the line if bad.
Result<std::map<std::string, std::vector<std::string>>> read_hosts_file(const std::filesystem::path& path);

}  // namespace acmekit::server::va
