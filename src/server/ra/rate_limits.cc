#include "server/ra/rate_limits.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/wire/rfc3339.h"
#include "server/problems.h"

namespace acmekit::server::ra {
namespace {

// An authorization names the base domain of a wildcard (§7.1.4).
wire::Identifier authz_identifier(wire::Identifier id) {
  if (id.type == "dns" && id.value.starts_with("*.")) id.value = id.value.substr(2);
  return id;
}

std::string names_of(const std::vector<wire::Identifier>& ids) {
  std::vector<std::string> values;
  for (const auto& id : ids) values.push_back(id.value);
  return fmt::format("{}", fmt::join(values, ", "));
}

}  // namespace

std::string_view limit_name(Limit limit) {
  switch (limit) {
    case Limit::kNewOrdersPerAccount: return "new_orders_per_account";
    case Limit::kCertificatesPerDomain: return "certificates_per_domain";
    case Limit::kCertificatesPerNameSet: return "certificates_per_name_set";
    case Limit::kFailedValidations: return "failed_validations";
  }
  return "unknown";
}

const RateLimit& RateLimitOptions::operator[](Limit limit) const {
  switch (limit) {
    case Limit::kNewOrdersPerAccount: return new_orders_per_account;
    case Limit::kCertificatesPerDomain: return certificates_per_domain;
    case Limit::kCertificatesPerNameSet: return certificates_per_name_set;
    case Limit::kFailedValidations: break;
  }
  return failed_validations;
}

std::string format_window(std::chrono::seconds window) {
  const auto total = window.count();
  const auto h = total / 3600, m = total % 3600 / 60, s = total % 60;
  std::string out;
  if (h > 0) out = fmt::format("{}h{}m", h, m);
  else if (m > 0) out = fmt::format("{}m", m);
  if (s > 0 || out.empty()) out += fmt::format("{}s", s);
  return out;
}

RateLimiter::RateLimiter(sa::StorageReader& storage, const Clock& clock, RateLimitOptions options)
    : storage_(storage), clock_(clock), options_(std::move(options)) {}

std::array<std::uint64_t, kLimitCount> RateLimiter::refused() const {
  std::array<std::uint64_t, kLimitCount> out{};
  for (std::size_t i = 0; i < kLimitCount; ++i) out[i] = refused_[i].load();
  return out;
}

wire::Identifier RateLimiter::registered_domain(const wire::Identifier& identifier) const {
  if (identifier.type != "dns") return identifier;
  const auto& psl = options_.public_suffixes;
  return {.type = "dns",
          .value = psl ? psl->registered_domain(identifier.value) : last_two_labels(identifier.value)};
}

Status RateLimiter::judge(Limit which, const RateLimit& limit, const sa::WindowCount& counted,
                          const std::string& what, TimePoint now) {
  if (!limit.on() || counted.count < limit.max || counted.newest.size() < limit.max) return {};
  // One more fits once the limit's max-th newest event has left the window
  // (RFC 8555 §6.6: say when; whole seconds, at least one).
  const TimePoint leaves = counted.newest[limit.max - 1] + limit.window;
  auto wait = std::chrono::ceil<std::chrono::seconds>(leaves - now);
  if (wait < std::chrono::seconds(1)) wait = std::chrono::seconds(1);
  const TimePoint retry_at = now + wait;
  ++refused_[static_cast<std::size_t>(which)];
  std::string detail = fmt::format("{}: {} in the last {} (limit {}); retry after {}", what, counted.count,
                                   format_window(limit.window), limit.max, wire::rfc3339(retry_at));
  spdlog::info("rate limit {}: {}", limit_name(which), detail);
  return rate_limited(std::move(detail), wait);
}

Status RateLimiter::check_failed_validations(std::string_view account_id, const wire::Identifier& identifier,
                                             TimePoint now) {
  const RateLimit& limit = options_.failed_validations;
  if (!limit.on()) return {};
  const wire::Identifier id = authz_identifier(identifier);
  ACMEKIT_TRY(auto counted, storage_.count_failed_validations(account_id, id, now - limit.window, limit.max));
  return judge(Limit::kFailedValidations, limit, counted,
               "too many failed validations of " + id.value + " for this account", now);
}

Status RateLimiter::check_certificates(const std::vector<wire::Identifier>& identifiers, bool renewal,
                                       bool replaces, std::chrono::seconds lifetime, TimePoint now) {
  const RateLimit& per_domain = options_.certificates_per_domain;
  if (per_domain.on() && !renewal) {
    std::set<std::pair<std::string, std::string>> seen;
    for (const auto& id : identifiers) {
      const wire::Identifier domain = registered_domain(id);
      if (!seen.insert({domain.type, domain.value}).second) continue;
      ACMEKIT_TRY(auto counted,
                  storage_.count_certificates_under(domain, now - per_domain.window, per_domain.max));
      ACMEKIT_CHECK(judge(Limit::kCertificatesPerDomain, per_domain, counted,
                          "too many certificates for the registered domain " + domain.value, now));
    }
  }
  // An RFC 9773 replacement is no duplicate (Let's Encrypt exempts ARI
  // renewals): each certificate can be replaced once (alreadyReplaced).
  // Duplicates are certificates of the set valid at once: the window is at
  // most the profile's lifetime (see rate_limits.h).
  RateLimit per_set = options_.certificates_per_name_set;
  if (lifetime.count() > 0) per_set.window = std::min(per_set.window, lifetime);
  if (per_set.on() && !replaces) {
    ACMEKIT_TRY(auto counted, storage_.count_certificates_for_set(identifiers, now - per_set.window, per_set.max));
    ACMEKIT_CHECK(judge(Limit::kCertificatesPerNameSet, per_set, counted,
                        "too many certificates for exactly the names [" + names_of(identifiers) + "]", now));
  }
  return {};
}

Status RateLimiter::check_new_order(std::string_view account_id, const std::vector<wire::Identifier>& identifiers,
                                    bool replaces, std::chrono::seconds lifetime) {
  const TimePoint now = clock_.now();
  const RateLimit& orders = options_.new_orders_per_account;
  if (orders.on()) {
    ACMEKIT_TRY(auto counted, storage_.count_orders(account_id, now - orders.window, orders.max));
    ACMEKIT_CHECK(judge(Limit::kNewOrdersPerAccount, orders, counted, "too many new orders for this account", now));
  }
  for (const auto& id : identifiers) ACMEKIT_CHECK(check_failed_validations(account_id, id, now));
  if (!certificates_limited()) return {};
  bool renewal = replaces;
  if (!renewal && options_.certificates_per_domain.on()) {
    ACMEKIT_TRY(renewal, storage_.certificate_set_issued(identifiers));
  }
  return check_certificates(identifiers, renewal, replaces, lifetime, now);
}

Status RateLimiter::check_new_authz(std::string_view account_id, const wire::Identifier& identifier) {
  return check_failed_validations(account_id, identifier, clock_.now());
}

Result<bool> RateLimiter::is_renewal(const std::vector<wire::Identifier>& identifiers, bool replaces) {
  if (replaces) return true;
  return storage_.certificate_set_issued(identifiers);
}

Result<bool> RateLimiter::check_issuance(const std::vector<wire::Identifier>& identifiers, bool replaces,
                                         std::chrono::seconds lifetime) {
  ACMEKIT_TRY(const bool renewal, is_renewal(identifiers, replaces));
  ACMEKIT_CHECK(check_certificates(identifiers, renewal, replaces, lifetime, clock_.now()));
  return renewal;
}

}  // namespace acmekit::server::ra
