// A small stub resolver on ldns: TXT, A, AAAA and CAA lookups against given
// recursive servers or those of /etc/resolv.conf, CNAMEs followed. Used by
// the CA's validation (server/va) and by the client's zone discovery and
// dns-01 propagation check.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/dns/message.h"
#include "core/error.h"

namespace acmekit::dns {

// One lookup's outcome. A name that does not exist is an answer, not an
// error: nxdomain is set and values is empty. NOERROR without records of
// the type ("NODATA") leaves both empty.
struct Answer {
  std::vector<std::string> values;  // TXT: one per record; A/AAAA: textual addresses
  bool nxdomain = false;            // RFC 1035 §4.1.1 RCODE 3, for the name or its CNAME target
  std::string server;               // "HOST:PORT" that answered
  std::string name;                 // the name the values are at: the name asked, or the end of its CNAME chain
  std::vector<CaaRecord> caa;       // CAA lookups: the records, values holding their text()
};

class Resolver {
 public:
  // servers: "HOST:PORT" ("[V6]:PORT"; port 53 when absent), HOST an IP
  // address, tried in order; empty: the nameservers of /etc/resolv.conf.
  // timeout bounds each query to each server (UDP, then TCP on truncation).
  Resolver(std::vector<std::string> servers, std::chrono::milliseconds timeout);

  // Every TXT record at name; a record of several character-strings is one
  // value, its strings joined (RFC 7208 §3.3, as Boulder reads dns-01 TXT).
  Result<Answer> lookup_txt(std::string_view name) const;
  Result<Answer> lookup_a(std::string_view name) const;
  Result<Answer> lookup_aaaa(std::string_view name) const;
  // The CAA RRset at name (RFC 8659 §4.1: flags, tag, value in Answer::caa),
  // CNAMEs followed. The tree climbing of RFC 8659 §3 is the caller's.
  Result<Answer> lookup_caa(std::string_view name) const;

  // The whole reply to name/type (RD set, no CNAME followed) from the first
  // server that gives a NOERROR or NXDOMAIN answer: for SOA and NS walks.
  Result<Reply> query(std::string_view name, uint16_t type) const;

  // Errors (every one names the server(s) asked and the query):
  //   kTimeout          no server answered within the timeout;
  //   kUnavailable          SERVFAIL, REFUSED or another failure RCODE, or a
  //                     server that cannot be reached;
  //   kProtocol         a malformed answer or a CNAME chain over 8 links;
  //   kInvalidArgument  a bad server address or name, no nameserver in
  //                     /etc/resolv.conf.
  // Each server is tried in turn until one gives an answer; the error is
  // that of the last server, with the earlier ones listed in the detail.

 private:
  Result<Answer> lookup(std::string_view name, uint16_t type) const;
  Result<std::vector<Endpoint>> endpoints() const;
  // query(), errors saying "DNS lookup of <what> failed: ...".
  Result<Reply> ask(std::string_view name, uint16_t type, std::string_view what) const;

  std::vector<std::string> servers_;
  std::chrono::milliseconds timeout_;
};

}  // namespace acmekit::dns
