// The closed vocabularies of RFC 8555 as enums: resource statuses (§7.1.6)
// and challenge types (§8). Code compares enums; the strings exist only at
// the edges: the JSON a CA sends or the CA renders (wire/json.cc,
// server/wfe/render.cc) and the CA's database columns (server/sa).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace acmekit::wire {

// One enum for every resource, as Boulder's core.AcmeStatus: an account is
// valid | deactivated | revoked; an order pending | ready | processing |
// valid | invalid; an authorization pending | valid | invalid | deactivated
// | expired | revoked; a challenge pending | processing | valid | invalid.
enum class AcmeStatus { kPending, kReady, kProcessing, kValid, kInvalid, kDeactivated, kExpired, kRevoked };

const std::string& to_string(AcmeStatus status);
// nullopt for a string that is none of them.
std::optional<AcmeStatus> parse_status(std::string_view text);

// RFC 8555 §8.3 http-01, §8.4 dns-01; RFC 8737 tls-alpn-01.
enum class ChallengeType { kHttp01, kDns01, kTlsAlpn01 };

const std::string& to_string(ChallengeType type);
// nullopt for a type this code base does not answer or validate (a CA may
// offer others, e.g. dns-account-01: they are skipped).
std::optional<ChallengeType> parse_challenge_type(std::string_view text);

}  // namespace acmekit::wire

// Log lines print them as their RFC 8555 names.
template <>
struct fmt::formatter<acmekit::wire::AcmeStatus> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(acmekit::wire::AcmeStatus s, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(acmekit::wire::to_string(s), ctx);
  }
};
template <>
struct fmt::formatter<acmekit::wire::ChallengeType> : fmt::formatter<std::string_view> {
  template <typename FormatContext>
  auto format(acmekit::wire::ChallengeType t, FormatContext& ctx) const {
    return fmt::formatter<std::string_view>::format(acmekit::wire::to_string(t), ctx);
  }
};
