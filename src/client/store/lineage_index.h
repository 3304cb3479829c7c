// The validity of every lineage's live certificate, fast enough for
// `acmekit renew` with nothing due over 100,000 lineages.
//
// DIR/.index/lineages.tsv caches, per lineage, where its live/ link pointed,
// the certificate's notBefore/notAfter, its RFC 9773 identifier and whether
// it is in the lineage's revocation record (revocations.h). A run lists
// live/ and makes one system call on one path component per lineage, no file
// opened: readlink of live/NAME for acmekit's layout, stat of live/NAME for
// certbot's (a real directory of links into archive/NAME/, whose inode and
// ctime change when certbot or acmekit replaces its links for a new
// version). It parses cert.pem (and looks for the revocation record) only
// where that changed since the cache was written or the line was dropped:
// after a renewal, a revoke or a manual edit. Entries that
// are no lineage (certbot's live/README) are skipped. The cache is rewritten
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
  // `acmekit revoke` revoked the live certificate (revocations.h): due now.
  bool revoked = false;
};

struct LineageScan {
  std::vector<LineageValidity> lineages;  // sorted by name
  std::vector<std::pair<std::string, Error>> unreadable;
  size_t parsed = 0;  // certificates parsed because the cache did not cover them
};

// settle: a certbot-layout lineage changed less than this long ago is read
// and not cached (dir_key in the .cc); tests shorten it.
LineageScan scan_lineages(const LineageStore& store, std::chrono::nanoseconds settle = std::chrono::seconds(2));

// Drops lineage `name`'s line (if any), so the next scan reads its
// certificate and revocation record again. For a change the link target does
// not show, such as a revocation.
Status drop_index_line(const LineageStore& store, std::string_view name);

}  // namespace acmekit::client::store
