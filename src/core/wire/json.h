// JSON <-> wire types. Parsing is strict about the fields a client relies on
// (a missing "finalize" is an error, ErrorKind::kProtocol) and lenient about
// the rest, as RFC 8555 §7.1 asks clients to ignore unknown fields.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/wire/types.h"

namespace acmekit::wire {

Result<nlohmann::json> parse_json(std::string_view text, std::string_view what);

Result<Directory> parse_directory(const nlohmann::json& j);
Result<Account> parse_account(const nlohmann::json& j);
Result<Order> parse_order(const nlohmann::json& j);
Result<Authorization> parse_authorization(const nlohmann::json& j);
Result<Challenge> parse_challenge(const nlohmann::json& j);

nlohmann::json to_json(const Identifier& id);

// "192.0.2.1" and "2001:db8::1" are ip identifiers (RFC 8738 §3), anything
// else is dns. IPv6 is put in RFC 5952 form.
Identifier identifier_for(std::string_view name);

}  // namespace acmekit::wire
