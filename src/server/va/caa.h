// CAA (RFC 8659) with the RFC 8657 parameters accounturi and
// validationmethods: the search up the tree through the resolver, and the
// pure decision over the RRset it found (unit-tested on its own).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/dns/resolver.h"
#include "core/error.h"
#include "server/va/validator.h"

namespace acmekit::server::va {

// RFC 8659 §4.2 issue-value: issuer-domain-name (may be empty: nobody may
// issue) and its parameters in order (tags as written).
struct CaaIssueValue {
  std::string issuer;
  std::vector<std::pair<std::string, std::string>> parameters;
};

// Parses an issue/issuewild value per RFC 8659 §4.2 (whitespace around the
// parts tolerated, empty parameters between ';' skipped); nullopt when it
// does not follow the grammar.
std::optional<CaaIssueValue> parse_caa_issue_value(std::string_view value);

// RFC 8659 §4 + RFC 8657: may a CA known by `identities` issue for
// `request`, given the non-empty relevant RRset found at `owner` (the
// display name used in the problem: the name asked, and the CNAME target
// it ended at if any)? {} permitted; else "...:caa" naming the records.
Status caa_decision(const CaaRequest& request, std::string_view owner, const std::vector<dns::CaaRecord>& rrset,
                    const std::vector<std::string>& identities);

// RFC 8659 §3: the first non-empty CAA RRset at request.name or a parent
// (below the top-level domain), CNAMEs followed by the resolver, and the
// decision over it; no RRset anywhere permits. A lookup error other than
// NXDOMAIN / no data refuses ("...:caa", naming the server).
Status check_caa(const CaaRequest& request, const std::vector<std::string>& identities, const dns::Resolver& dns);

}  // namespace acmekit::server::va
