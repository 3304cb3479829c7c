#include "server/wfe/crl_endpoint.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <optional>

namespace acmekit::server::wfe {
namespace {

acmekit::http::Response text(int status, std::string body) {
  acmekit::http::Response r;
  r.status = status;
  r.headers.add("content-type", "text/plain; charset=utf-8");
  r.headers.add("cache-control", "no-store");
  r.body = std::move(body);
  return r;
}

// "/crl/12.crl" -> 12; digits only, no sign, no leading zero (one URL per
// shard), below `shards`.
std::optional<int> shard_of(std::string_view path, int shards) {
  constexpr std::string_view kPrefix = "/crl/", kSuffix = ".crl";
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix)) return std::nullopt;
  std::string_view digits = path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size());
  if (digits.empty() || digits.size() > 9 || (digits.size() > 1 && digits.front() == '0')) return std::nullopt;
  int shard = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), shard);
  if (ec != std::errc() || end != digits.data() + digits.size() || shard < 0 || shard >= shards) return std::nullopt;
  return shard;
}

}  // namespace

acmekit::http::Response CrlEndpoint::handle(const http::ServerRequest& request) {
  const std::string_view target = request.target;
  const auto shard = shard_of(target.substr(0, target.find('?')), shards_);
  if (!shard) return text(404, fmt::format("not found; the CRLs are /crl/0.crl .. /crl/{}.crl\n", shards_ - 1));
  if (request.method != "GET" && request.method != "HEAD") {
    auto r = text(405, "only GET and HEAD\n");
    r.headers.add("allow", "GET, HEAD");
    return r;
  }
  auto crl = storage_.latest_crl(*shard);
  if (!crl || !*crl) {
    if (!crl) spdlog::warn("CRL {}: {}", *shard, crl.error().message());
    auto r = text(503, crl ? "no CRL made yet\n" : "database unavailable\n");
    r.headers.add("retry-after", "2");
    return r;
  }
  acmekit::http::Response r;
  r.status = 200;
  r.headers.add("content-type", "application/pkix-crl");  // RFC 2585 §4.2
  // Cacheable until its nextUpdate (RFC 5280 §5.1.2.5), when a newer one
  // exists for sure; no later.
  const auto left = std::chrono::floor<std::chrono::seconds>((*crl)->next_update - clock_.now()).count();
  r.headers.add("cache-control", fmt::format("public, max-age={}", std::max<long long>(left, 0)));
  r.body = std::move((*crl)->der);
  return r;
}

}  // namespace acmekit::server::wfe
