// RFC 2136 dynamic updates of TXT records, signed with TSIG (RFC 8945): what
// the dns-01 solver uses to put _acme-challenge records into a zone, the way
// certbot's dns-rfc2136 plugin does.
//
//   dns::Updater up(dns::update_server(credentials), clock);
//   ACMEKIT_TRY(std::string zone, up.find_zone("_acme-challenge.example.test"));
//   ACMEKIT_CHECK(up.add_txt(zone, "_acme-challenge.example.test", value));
//   ... validation ...
//   ACMEKIT_CHECK(up.delete_txt(zone, "_acme-challenge.example.test", value));
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/dns/message.h"
#include "core/dns/transport.h"
#include "core/dns/tsig.h"
#include "core/error.h"

namespace acmekit::dns {

// Where updates go and how they are signed (from credentials.h's
// update_server(), or by hand).
struct UpdateServer {
  Endpoint endpoint;           // the primary that takes updates (certbot: dns_rfc2136_server/_port)
  std::optional<TsigKey> key;  // signs every UPDATE; none: unsigned (servers allowing by address)
  bool sign_queries = false;   // also sign find_zone's SOA queries (dns_rfc2136_sign_query)
  // UPDATEs go over TCP: an answer lost over UDP leaves it unknown whether
  // the update was applied, signed answers are never truncated, and a closed
  // port fails at once. SOA queries use UDP (TCP when truncated), as certbot.
  Transport update_transport = Transport::kTcp;
  std::chrono::milliseconds timeout{10000};  // per exchange
};

// certbot's default TTL for the challenge records.
inline constexpr uint32_t kChallengeTxtTtl = 120;

class Updater {
 public:
  // clock: the time TSIG signs with (RFC 8945 §5.2.3: within 300 s of the
  // server's), so the system clock outside tests.
  Updater(UpdateServer server, const Clock& clock);

  // The zone (its apex, normalized) that contains name, asked of the update
  // server itself (certbot's way): SOA queries with RD=0 for name, then each
  // parent, until the server answers authoritatively (AA) with the SOA in
  // the answer section (name is the apex), or, for a name below the apex,
  // NXDOMAIN/NODATA with the zone's SOA in the authority section.
  // Errors: a server serving no enclosing zone:
  //   "DNS server 127.0.0.2:53 is not authoritative for any zone containing
  //    _acme-challenge.other.test (REFUSED)"  (kUnavailable; the last RCODE seen);
  // a TSIG failure (sign_queries) as for updates; kTimeout / kUnavailable for an
  // unreachable server, naming it.
  Result<std::string> find_zone(std::string_view name) const;

  // RFC 2136 §2.5.1: adds "fqdn ttl IN TXT value" to the RRset, leaving
  // other TXT values at fqdn (a name and its wildcard share one
  // _acme-challenge name and need two values at once). Adding a value that
  // is already there is a no-op (RFC 2136 §3.4.2.2).
  Status add_txt(std::string_view zone, std::string_view fqdn, std::string_view value,
                 uint32_t ttl = kChallengeTxtTtl) const;

  // RFC 2136 §2.5.4: deletes exactly the RR "fqdn TXT value" (class NONE),
  // leaving other values. Deleting a value that is not there succeeds.
  Status delete_txt(std::string_view zone, std::string_view fqdn, std::string_view value) const;

  // The same for many records of one zone in one UPDATE message: the server
  // applies all of them or none (RFC 2136 §3.8), bumps the zone's serial
  // once and sends one NOTIFY, so its secondaries catch up with one
  // transfer instead of one per record. At most kMaxRecordsPerUpdate
  // records; callers split larger batches.
  static constexpr size_t kMaxRecordsPerUpdate = 100;
  Status add_txt(std::string_view zone, std::span<const TxtRecord> records, uint32_t ttl = kChallengeTxtTtl) const;
  Status delete_txt(std::string_view zone, std::span<const TxtRecord> records) const;

  // Errors of add_txt/delete_txt, each naming record, server and outcome:
  //   "DNS UPDATE of _acme-challenge.example.test TXT at 127.0.0.2:53 refused:
  //    NOTAUTH (TSIG error BADSIG)"           kUnavailable (any RCODE but NOERROR;
  //                                           "failed: SERVFAIL" for SERVFAIL)
  //   "DNS UPDATE (delete) of ..."            the same for delete_txt
  //   "DNS UPDATE of _acme-challenge.a.test, _acme-challenge.b.test TXT ..."
  //                                           a batch names its owners
  //   "... at 127.0.0.2:53: no answer within 10000 ms"    kTimeout
  //   "... at 127.0.0.2:53: TCP connect: Connection refused"   kUnavailable
  //   "... at 127.0.0.2:53: the TSIG of the answer does not verify: ..."  kProtocol
  //   a name outside zone, or not a valid name    kInvalidArgument
  // Never the secret.

  const UpdateServer& server() const { return server_; }

 private:
  Status update(std::string_view zone, std::span<const TxtRecord> records, uint32_t ttl, bool add) const;

  UpdateServer server_;
  const Clock* clock_;
};

}  // namespace acmekit::dns
