#include "core/wire/enums.h"

#include <array>
#include <utility>

namespace acmekit::wire {
namespace {

const std::array<std::pair<AcmeStatus, std::string>, 8>& statuses() {
  static const std::array<std::pair<AcmeStatus, std::string>, 8> table{{
      {AcmeStatus::kPending, "pending"},
      {AcmeStatus::kReady, "ready"},
      {AcmeStatus::kProcessing, "processing"},
      {AcmeStatus::kValid, "valid"},
      {AcmeStatus::kInvalid, "invalid"},
      {AcmeStatus::kDeactivated, "deactivated"},
      {AcmeStatus::kExpired, "expired"},
      {AcmeStatus::kRevoked, "revoked"},
  }};
  return table;
}

const std::array<std::pair<ChallengeType, std::string>, 3>& challenge_types() {
  static const std::array<std::pair<ChallengeType, std::string>, 3> table{{
      {ChallengeType::kHttp01, "http-01"},
      {ChallengeType::kDns01, "dns-01"},
      {ChallengeType::kTlsAlpn01, "tls-alpn-01"},
  }};
  return table;
}

template <typename Table, typename Enum>
const std::string& name_of(const Table& table, Enum value) {
  for (const auto& [e, name] : table) {
    if (e == value) return name;
  }
  static const std::string unknown = "?";
  return unknown;
}

template <typename Enum, typename Table>
std::optional<Enum> value_of(const Table& table, std::string_view text) {
  for (const auto& [e, name] : table) {
    if (name == text) return e;
  }
  return std::nullopt;
}

}  // namespace

const std::string& to_string(AcmeStatus status) { return name_of(statuses(), status); }
std::optional<AcmeStatus> parse_status(std::string_view text) { return value_of<AcmeStatus>(statuses(), text); }
const std::string& to_string(ChallengeType type) { return name_of(challenge_types(), type); }
std::optional<ChallengeType> parse_challenge_type(std::string_view text) {
  return value_of<ChallengeType>(challenge_types(), text);
}

}  // namespace acmekit::wire
