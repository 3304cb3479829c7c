// The active propagation check before answering dns-01 (RFC 8555 §8.4): wait
// until EVERY authoritative server of the zone serves each TXT record, asking
// them directly (RD=0), so the CA's resolver, whichever server it asks, finds
// the record. Instead of certbot's fixed --dns-rfc2136-propagation-seconds.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/dns/resolver.h"
#include "core/error.h"

namespace acmekit::dns {

struct PropagationOptions {
  std::chrono::milliseconds timeout = std::chrono::seconds(120);  // overall, measured on the Clock
  // Between rounds (Clock::sleep_for): first_interval after the first round,
  // doubling up to interval. A secondary usually catches up within
  // milliseconds of its NOTIFY (RFC 1996), so the first looks come soon.
  std::chrono::milliseconds interval = std::chrono::seconds(2);
  std::chrono::milliseconds first_interval = std::chrono::milliseconds(250);
  std::chrono::milliseconds query_timeout = std::chrono::seconds(2);  // one query to one server
  uint16_t port = 53;  // the authoritative servers' port (tests run them elsewhere)
};

// For each record: the name's CNAME chain is followed through resolver (a
// _acme-challenge name delegated elsewhere, as lego and cert-manager allow,
// is checked at its target), the target's zone and its NS servers are found
// (zone.h), then every round asks each server for TXT at the target with
// RD=0 until each one answers authoritatively (AA) with the value among its
// TXT records. A server name with several addresses is asked at its first
// address that answers. An unreachable or refusing server is "not yet"; its
// last error shows in the timeout message. Progress is logged at info
// (spdlog): which servers serve what, once per change.
//
// Errors:
//   kTimeout  after options.timeout (on clock), naming each lagging server
//             and record: "DNS propagation timed out after 30 s:
//             ns2.example.test (127.0.0.3) does not serve TXT "abc..." at
//             _acme-challenge.example.test; ..." (with its last error, if any)
//   the resolver's errors while finding CNAMEs, zones and servers (fatal:
//   without the servers there is nothing to wait for).
Status wait_for_propagation(const std::vector<TxtRecord>& records, const Resolver& resolver,
                            const PropagationOptions& options, Clock& clock);

}  // namespace acmekit::dns
