// The validity of every lineage's live certificate, fast enough for
// `acmekit renew` with nothing due over 100,000 lineages.
//
// DIR/.index/lineages.tsv caches, per lineage, where its live/ link pointed,
// the certificate's notBefore/notAfter and its RFC 9773 identifier. A run lists live/, reads each
// link (one readlink, no file opened), and parses cert.pem only where the
// link changed since the cache was written: after a renewal, a manual edit or
// for a certbot-made lineage (a directory, not a link). The cache is rewritten
// when anything changed. Deleting it is always safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "client/store/lineages.h"

namespace acmekit::client::store {

struct LineageValidity {
  std::string name;
  std::chrono::system_clock::time_point not_before, not_after;
  // RFC 9773 §4.1 identifier of the live certificate (renewalInfo, newOrder
  // "replaces"); empty when it has no authority key identifier.
  std::string cert_id;
};

struct LineageScan {
  std::vector<LineageValidity> lineages;  // sorted by name
  std::vector<std::pair<std::string, Error>> unreadable;
  size_t parsed = 0;  // certificates parsed because the cache did not cover them
};

LineageScan scan_lineages(const LineageStore& store);

}  // namespace acmekit::client::store
