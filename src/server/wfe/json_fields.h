// Reading untrusted JSON (request payloads, JWS headers) by type, without
// nlohmann exceptions: a member of another type than the one wanted is a
// malformed problem naming it, not an exception that becomes a 500.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "server/problems.h"

namespace acmekit::server::wfe {

// The string member `key` of `obj`, `fallback` when absent (or obj is not
// an object); malformed when present and not a string.
inline Result<std::string> string_member(const nlohmann::json& obj, std::string_view key, std::string fallback = "") {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_string()) return malformed("\"" + std::string(key) + "\" must be a string");
  return it->get<std::string>();
}

// The boolean member `key`, `fallback` when absent; malformed otherwise.
inline Result<bool> bool_member(const nlohmann::json& obj, std::string_view key, bool fallback) {
  if (!obj.is_object()) return fallback;
  auto it = obj.find(key);
  if (it == obj.end()) return fallback;
  if (!it->is_boolean()) return malformed("\"" + std::string(key) + "\" must be true or false");
  return it->get<bool>();
}

}  // namespace acmekit::server::wfe
