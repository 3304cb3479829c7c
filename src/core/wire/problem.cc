#include "core/wire/problem.h"

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <string>

#include <nlohmann/json.hpp>

namespace acmekit::wire {
namespace {
using nlohmann::json;

std::string str(const json& j, const char* key) {
  auto it = j.find(key);
  return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string();
}

Error from_problem_json(const json& j, int status) {
  Error e{.kind = ErrorKind::kAcme, .detail = str(j, "detail"), .type = str(j, "type"), .status = status};
  if (e.detail.empty()) e.detail = e.type.empty() ? "the server refused the request" : e.short_type();
  // RFC 8555 §6.7.1: subproblems, each about one identifier.
  if (auto subs = j.find("subproblems"); subs != j.end() && subs->is_array()) {
    for (const auto& s : *subs) {
      if (!s.is_object()) continue;
      SubProblem sp{.type = str(s, "type"), .detail = str(s, "detail")};
      if (auto id = s.find("identifier"); id != s.end() && id->is_object()) {
        sp.identifier_type = str(*id, "type");
        sp.identifier_value = str(*id, "value");
      }
      e.subproblems.push_back(std::move(sp));
    }
  }
  return e;
}
}  // namespace

Error parse_problem(int status, std::string_view body) {
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && (j.contains("type") || j.contains("detail"))) return from_problem_json(j, status);
  return Error{.kind = ErrorKind::kProtocol,
               .detail = "the server answered HTTP " + std::to_string(status) +
                         " without a problem document",
               .status = status};
}

Error parse_embedded_problem(std::string_view json_text) {
  json j = json::parse(json_text, nullptr, false);
  if (!j.is_object()) return Error{.kind = ErrorKind::kProtocol, .detail = "malformed error object"};
  return from_problem_json(j, 0);
}

std::optional<std::chrono::seconds> parse_retry_after(std::string_view value,
                                                      std::chrono::system_clock::time_point now) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  // RFC 9110 §10.2.3: delta-seconds ...
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    if (value.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stol(std::string(value)));
  }
  // ... or an HTTP-date (IMF-fixdate, RFC 9110 §5.6.7), e.g.
  // "Sun, 06 Nov 1994 08:49:37 GMT".
  std::tm tm{};
  std::string s(value);
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // In seconds, not through a system_clock time point: years past 2262
  // (strptime takes up to 9999) do not fit its nanoseconds.
  const int64_t delta =
      static_cast<int64_t>(timegm(&tm)) - std::chrono::ceil<std::chrono::seconds>(now).time_since_epoch().count();
  return std::chrono::seconds(std::clamp<int64_t>(delta, 0, 999'999'999));
}

Error error_from_response(const http::Response& response) {
  Error e = parse_problem(response.status, response.body);
  if (auto ra = response.headers.get("retry-after")) e.retry_after = parse_retry_after(*ra);
  return e;
}

nlohmann::json problem_document(const Error& e) {
  nlohmann::json j = {{"type", e.type}, {"detail", e.detail}};
  if (!e.subproblems.empty()) {
    auto& subs = j["subproblems"] = nlohmann::json::array();
    for (const auto& sp : e.subproblems) {
      subs.push_back({{"type", sp.type},
                      {"detail", sp.detail},
                      {"identifier", {{"type", sp.identifier_type}, {"value", sp.identifier_value}}}});
    }
  }
  return j;
}

}  // namespace acmekit::wire
