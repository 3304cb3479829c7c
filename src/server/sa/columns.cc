#include "server/sa/columns.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/crypto/digest.h"

namespace acmekit::server::sa {
namespace {

using nlohmann::json;

// Parses a JSON array column and maps each element; nlohmann's exceptions
// (bad text, wrong types) end here as an Error.
template <typename T, typename F>
Result<std::vector<T>> decode_array(std::string_view text, F element) {
  try {
    json doc = json::parse(text);
    if (!doc.is_array()) return make_error(ErrorKind::kIo, "stored JSON column is damaged: not an array");
    std::vector<T> out;
    for (const json& item : doc) out.push_back(element(item));
    return out;
  } catch (const json::exception& e) {
    return make_error(ErrorKind::kIo, std::string("stored JSON column is damaged: ") + e.what());
  }
}

}  // namespace

std::int64_t to_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

TimePoint from_millis(std::int64_t ms) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(ms)));
}

std::string name_set_key(const std::vector<wire::Identifier>& identifiers) {
  std::vector<std::string> lines;
  for (const auto& id : identifiers) {
    std::string line = id.type + ":" + id.value;
    std::ranges::transform(line, line.begin(), [](unsigned char c) { return std::tolower(c); });
    lines.push_back(std::move(line));
  }
  std::ranges::sort(lines);
  lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
  std::string hex;
  for (unsigned char c : crypto::sha256(fmt::format("{}", fmt::join(lines, "\n")))) hex += fmt::format("{:02x}", c);
  return hex;
}

std::string reversed_name(const wire::Identifier& identifier) {
  if (identifier.type != "dns") return identifier.value;
  std::string out;
  std::string_view rest = identifier.value;
  while (!rest.empty()) {
    auto dot = rest.rfind('.');
    std::string_view label = dot == std::string_view::npos ? rest : rest.substr(dot + 1);
    if (!out.empty()) out += '.';
    out += label;
    rest = dot == std::string_view::npos ? std::string_view() : rest.substr(0, dot);
  }
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string strings_to_json(const std::vector<std::string>& values) { return json(values).dump(); }

Result<std::vector<std::string>> strings_from_json(std::string_view text) {
  return decode_array<std::string>(text, [](const json& item) { return item.get<std::string>(); });
}

std::string identifiers_to_json(const std::vector<wire::Identifier>& identifiers) {
  json out = json::array();
  for (const auto& id : identifiers) out.push_back({{"type", id.type}, {"value", id.value}});
  return out.dump();
}

Result<std::vector<wire::Identifier>> identifiers_from_json(std::string_view text) {
  return decode_array<wire::Identifier>(text, [](const json& item) {
    return wire::Identifier{.type = item.at("type").get<std::string>(), .value = item.at("value").get<std::string>()};
  });
}

std::string_view status_column(AcmeStatus status) { return wire::to_string(status); }

Result<AcmeStatus> status_from_column(std::string_view text) {
  auto status = wire::parse_status(text);
  if (!status) return make_error(ErrorKind::kIo, fmt::format("stored status {:?} is not an RFC 8555 status", text));
  return *status;
}

std::string challenges_to_json(const std::vector<ChallengeRecord>& challenges) {
  json out = json::array();
  for (const auto& c : challenges) {
    json item = {{"type", wire::to_string(c.type)},
                 {"token", c.token},
                 {"status", wire::to_string(c.status)},
                 {"error", c.error_json}};
    if (c.validated) item["validated_ms"] = to_millis(*c.validated);
    out.push_back(std::move(item));
  }
  return out.dump();
}

Result<std::vector<ChallengeRecord>> challenges_from_json(std::string_view text) {
  return decode_array<ChallengeRecord>(text, [](const json& item) {
    const auto type = wire::parse_challenge_type(item.at("type").get<std::string>());
    const auto status = wire::parse_status(item.at("status").get<std::string>());
    // Caught by decode_array: a damaged column.
    if (!type || !status) throw json::other_error::create(501, "unknown challenge type or status", &item);
    ChallengeRecord c{.type = *type,
                      .token = item.at("token").get<std::string>(),
                      .status = *status,
                      .error_json = item.at("error").get<std::string>()};
    if (item.contains("validated_ms")) c.validated = from_millis(item.at("validated_ms").get<std::int64_t>());
    return c;
  });
}

}  // namespace acmekit::server::sa
