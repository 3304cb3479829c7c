// How record fields become SQLite column values and back: times as unix
// milliseconds, lists as JSON text. Decoding a column that does not parse
// is a kIo error (the database is damaged or was written by something else).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "server/model.h"

namespace acmekit::server::sa {

// Sub-millisecond precision is dropped (truncated towards the epoch).
std::int64_t to_millis(TimePoint t);
TimePoint from_millis(std::int64_t ms);

std::string strings_to_json(const std::vector<std::string>& values);
Result<std::vector<std::string>> strings_from_json(std::string_view text);

// [{"type":"dns","value":"example.com"}, ...]
std::string identifiers_to_json(const std::vector<wire::Identifier>& identifiers);
Result<std::vector<wire::Identifier>> identifiers_from_json(std::string_view text);

// Rate-limit keys. name_set_key: the exact set of identifiers, case, order
// and duplicates ignored (Boulder's fqdnSets hash): hex SHA-256 of the sorted
// "type:value" lines. reversed_name: a dns name's labels in reverse order
// ("www.example.com" -> "com.example.www"), so a domain and every name under
// it form one index range; other identifiers (ip) as they are.
std::string name_set_key(const std::vector<wire::Identifier>& identifiers);
std::string reversed_name(const wire::Identifier& identifier);

// Statuses and challenge types are stored as their RFC 8555 strings.
std::string_view status_column(AcmeStatus status);
Result<AcmeStatus> status_from_column(std::string_view text);

// [{"type","token","status","validated_ms" (absent if none),"error"}, ...]
std::string challenges_to_json(const std::vector<ChallengeRecord>& challenges);
Result<std::vector<ChallengeRecord>> challenges_from_json(std::string_view text);

}  // namespace acmekit::server::sa
