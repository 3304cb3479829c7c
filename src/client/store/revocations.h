// The certificates of a lineage that `acmekit revoke` revoked (RFC 8555
// §7.6), kept with the lineage in archive/NAME/revoked.tsv, so that the next
// `acmekit renew` replaces a revoked live certificate at once: certbot learns
// it through OCSP, we know it because we revoked it ourselves.
//
// One line per certificate: the base64url SHA-256 of its DER, its serial
// (hex), when it was revoked (unix seconds) and the reason; lines are only
// added. A renewed lineage's new certificate is not in the record, so the mark
// ends with the renewal; deleting the lineage deletes the record. The renewal
// index (lineage_index.h) carries the mark of each live certificate, so a
// no-op renew does not open this file.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "client/store/lineages.h"
#include "core/error.h"

namespace acmekit::client::store {

struct Revocation {
  std::string fingerprint;  // certificate_fingerprint() of the revoked certificate
  std::string serial_hex;   // for people reading the file
  std::chrono::system_clock::time_point at;
  std::string reason;  // RFC 5280 §5.3.1 reason as the revoke flag names it ("keycompromise")
};

// base64url(SHA-256(DER)): how the record names a certificate.
std::string certificate_fingerprint(std::string_view der);

// Adds a revoked certificate of lineage `name` to its record, written
// atomically (a certificate already in it is not added twice), then drops
// the lineage's index line so the next scan reads the mark.
Status record_revocation(const LineageStore& store, const std::string& name, const Revocation& revocation);

// Whether the certificate `der` is in lineage `name`'s record (no record: false).
Result<bool> is_revoked(const LineageStore& store, const std::string& name, std::string_view der);

}  // namespace acmekit::client::store
