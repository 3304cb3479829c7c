// Validation authority: performs one challenge validation (RFC 8555 §8.3
// http-01, §8.4 dns-01, RFC 8737 tls-alpn-01) or one CAA check (RFC 8659,
// RFC 8657; caa.h) and returns the result. It
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

// One CAA check (RFC 8659 §3) of a dns identifier whose challenge succeeded:
// a plain request/response, so a remote perspective can answer it too.
struct CaaRequest {
  std::string name;      // the dns identifier, without "*."
  bool wildcard = false;  // issuewild applies (RFC 8659 §4.3)
  wire::ChallengeType method = wire::ChallengeType::kHttp01;  // RFC 8657 §4 validationmethods
  std::string account_uri;  // the account's URL as the CA writes it (RFC 8657 §3 accounturi)
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
  // The issuer domain names (RFC 8659 §4.2) CAA "issue"/"issuewild"
  // properties name this CA by; empty: CAA is not checked (an internal CA).
  std::vector<std::string> caa_identities;
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
  // RFC 8659 §3 + RFC 8657: {} when CAA permits this CA to issue for the
  // name (or no caa_identities are configured), else "...:caa" naming the
  // record that forbids it, or the lookup that failed and its server.
  virtual Status check_caa(const CaaRequest& request) = 0;
};

std::unique_ptr<Validator> make_validator(const ValidatorOptions& options);

// Reads an /etc/hosts-format file ("ADDR NAME [NAME...]", '#' comments) into
// ValidatorOptions::hosts form. kInvalidArgument naming the line if bad.
Result<std::map<std::string, std::vector<std::string>>> read_hosts_file(const std::filesystem::path& path);

}  // namespace acmekit::server::va
