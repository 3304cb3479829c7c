// One question to one server, the whole answer back: rcode, AA, and the
// answer, authority and additional sections. The layer under Resolver (which
// asks recursive servers and follows CNAMEs), zone discovery (SOA/NS walks),
// the propagation check (authoritative servers asked with RD=0) and the
// RFC 2136 updater (signed messages).
//
// Names throughout core/dns/ are in presentation form, lower case, without
// the final dot ("_acme-challenge.example.test"); the root is ".".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/dns/transport.h"
#include "core/dns/tsig.h"
#include "core/error.h"

namespace acmekit::dns {

// RFC 1035 §3.2.2 (+ RFC 3596 AAAA) TYPE values used here.
namespace rr_type {
inline constexpr uint16_t kA = 1;
inline constexpr uint16_t kNs = 2;
inline constexpr uint16_t kCname = 5;
inline constexpr uint16_t kSoa = 6;
inline constexpr uint16_t kTxt = 16;
inline constexpr uint16_t kAaaa = 28;
inline constexpr uint16_t kCaa = 257;  // RFC 8659 §4.1
}  // namespace rr_type
// "A", "NS", "CNAME", "SOA", "TXT", "AAAA", "CAA", else "TYPEn" (RFC 3597 §5).
std::string type_name(uint16_t type);

// RFC 1035 §4.1.1 and RFC 2136 §2.2 RCODE values.
namespace rcode {
inline constexpr int kNoError = 0;
inline constexpr int kFormErr = 1;
inline constexpr int kServFail = 2;
inline constexpr int kNxDomain = 3;
inline constexpr int kNotImp = 4;
inline constexpr int kRefused = 5;
inline constexpr int kYxDomain = 6;
inline constexpr int kYxRrset = 7;
inline constexpr int kNxRrset = 8;
inline constexpr int kNotAuth = 9;
inline constexpr int kNotZone = 10;
}  // namespace rcode
// "NOERROR", "SERVFAIL", "NOTAUTH", "NOTZONE", ..., else "RCODE n".
std::string rcode_name(int rcode);

// Lower case, no final dot ("." stays "."): the spelling of names here.
std::string normalize_name(std::string_view name);

// One TXT value at one name: a record the updater adds or deletes and the
// propagation check waits for. A name may hold several values (a name and
// its wildcard share _acme-challenge.NAME): list each.
struct TxtRecord {
  std::string fqdn;   // "_acme-challenge.example.test"
  std::string value;  // the dns-01 digest (RFC 8555 §8.4)
};

// RFC 8659 §4.1: the RDATA of a CAA record, as on the wire (the tag's case
// kept; callers compare it case-insensitively).
struct CaaRecord {
  uint8_t flags = 0;  // bit 128: Issuer Critical Flag
  std::string tag;    // "issue", "issuewild", "iodef", ...
  std::string value;  // the rest of the RDATA, raw bytes
  // Presentation form, e.g. `0 issue "ca.example"` (RFC 8659 §4.1.1).
  std::string text() const;
};

// One resource record, its RDATA reduced to what callers compare:
//   TXT          its character-strings joined (RFC 7208 §3.3, as Boulder reads dns-01)
//   A, AAAA      the textual address
//   CNAME, NS    the target name (normalized)
//   SOA          the MNAME (normalized)
//   CAA          CaaRecord::text(), and the fields in `caa`
//   other types  ldns's presentation of the RDATA
struct Record {
  std::string name;  // owner, normalized
  uint16_t type = 0;
  uint32_t ttl = 0;
  std::string value;
  std::optional<CaaRecord> caa;  // type CAA only
};

struct Reply {
  int rcode = rcode::kNoError;
  bool authoritative = false;  // AA (RFC 1035 §4.1.1)
  std::vector<Record> answer, authority, additional;  // additional without OPT/TSIG
  std::string server;  // Endpoint::label() of the server that answered
  // Signed requests only (RFC 8945): the answer's TSIG Error field. An
  // answer that carries an error is passed through (the rcode, usually
  // NOTAUTH, says it failed); one without an error is returned only when its
  // TSIG verifies.
  uint16_t tsig_error = 0;

  // Records of type in section whose owner is name (normalized).
  std::vector<const Record*> records(const std::vector<Record>& section, std::string_view name, uint16_t type) const;
};

struct ExchangeOptions {
  Transport transport = Transport::kUdp;
  std::chrono::milliseconds timeout{5000};  // per exchange (UDP, then TCP on truncation)
  // Sign the request and verify the answer (RFC 8945) when set.
  const TsigKey* tsig = nullptr;
  // The time TSIG signs with and checks against; the system clock when null.
  const Clock* clock = nullptr;
};

struct QueryOptions : ExchangeOptions {
  bool recursion_desired = true;  // RD (RFC 1035 §4.1.1); false to ask an authoritative server itself
};

// Asks server for name/type (class IN). Any RCODE is a Reply (callers decide
// what NXDOMAIN or REFUSED mean); errors are only for no usable answer, with
// details naming no server (callers add it):
//   kInvalidArgument  a bad name;
//   kTimeout / kUnavailable  as transport.h;
//   kProtocol  a malformed answer or one that does not match the query; for a
//              signed query an answer unsigned, or whose TSIG does not verify.
Result<Reply> query(const Endpoint& server, std::string_view name, uint16_t type, const QueryOptions& options);

// Sends a request already in wire format (a random ID set; signed here when
// options.tsig is set) and returns the parsed answer, checked as query() does.
Result<Reply> exchange_message(const Endpoint& server, std::string_view request, const ExchangeOptions& options);

}  // namespace acmekit::dns
