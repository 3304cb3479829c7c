// A small stub resolver on ldns: TXT, A and AAAA lookups against given
// recursive servers or those of /etc/resolv.conf, CNAMEs followed. It knows
// nothing of ACME or the server, so it can move to core/ when the client
// needs it (e.g. to wait for dns-01 propagation).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::server::va {

// One lookup's outcome. A name that does not exist is an answer, not an
// error: nxdomain is set and values is empty. NOERROR without records of
// the type ("NODATA") leaves both empty.
struct DnsAnswer {
  std::vector<std::string> values;  // TXT: one per record; A/AAAA: textual addresses
  bool nxdomain = false;            // RFC 1035 §4.1.1 RCODE 3, for the name or its CNAME target
  std::string server;               // "HOST:PORT" that answered
};

class DnsResolver {
 public:
  // servers: "HOST:PORT" ("[V6]:PORT"; port 53 when absent), HOST an IP
  // address, tried in order; empty: the nameservers of /etc/resolv.conf.
  // timeout bounds each query to each server (UDP, then TCP on truncation).
  DnsResolver(std::vector<std::string> servers, std::chrono::milliseconds timeout);

  // Every TXT record at name; a record of several character-strings is one
  // value, its strings joined (RFC 7208 §3.3, as Boulder reads dns-01 TXT).
  Result<DnsAnswer> lookup_txt(std::string_view name) const;
  Result<DnsAnswer> lookup_a(std::string_view name) const;
  Result<DnsAnswer> lookup_aaaa(std::string_view name) const;

  // Errors (every one names the server(s) asked and the query):
  //   kTimeout          no server answered within the timeout;
  //   kNetwork          SERVFAIL, REFUSED or another failure RCODE, or a
  //                     server that cannot be reached;
  //   kProtocol         a malformed answer or a CNAME chain over 8 links;
  //   kInvalidArgument  a bad server address or name, no nameserver in
  //                     /etc/resolv.conf.
  // Each server is tried in turn until one gives an answer; the error is
  // that of the last server, with the earlier ones listed in the detail.

 private:
  Result<DnsAnswer> lookup(std::string_view name, int type) const;

  std::vector<std::string> servers_;
  std::chrono::milliseconds timeout_;
};

}  // namespace acmekit::server::va
