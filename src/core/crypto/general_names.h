// Internal to src/core/crypto/: subjectAltName contents shared by CSRs and
// certificates — building them from ACME identifiers and reading them back.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/ossl.h"

namespace acmekit::crypto {

// The 4 or 16 address bytes if text is a textual IPv4/IPv6 address
// (RFC 8738 §3), otherwise empty.
std::string parse_ip_address(std::string_view text);
// Address bytes -> text: dotted quad, or RFC 5952 form for IPv6. Empty if
// bytes is neither 4 nor 16 long.
std::string format_ip_address(std::string_view bytes);

// One dNSName or iPAddress GENERAL_NAME per identifier (RFC 8555 §7.4,
// RFC 8738 §3). DNS names are lower-cased.
Result<ossl::GeneralNamesPtr> make_general_names(const std::vector<std::string>& identifiers);

using DistPointNamePtr = std::unique_ptr<DIST_POINT_NAME, ossl::Deleter<DIST_POINT_NAME_free>>;
// A DistributionPointName whose fullName is one uniformResourceIdentifier
// (RFC 5280 §4.2.1.13, §5.2.5): the URI of a CRL. kInvalidArgument unless
// uri is an http:// URI of printable ASCII.
Result<DistPointNamePtr> make_distribution_point_name(std::string_view uri);

struct SubjectAltNames {
  std::vector<std::string> dns_names;     // lower-cased
  std::vector<std::string> ip_addresses;  // textual
};
// Reads the dNSName and iPAddress entries (other kinds are skipped).
SubjectAltNames read_general_names(const GENERAL_NAMES* names);

// The first commonName of a name as UTF-8, empty if none.
std::string common_name(const X509_NAME* name);

}  // namespace acmekit::crypto
