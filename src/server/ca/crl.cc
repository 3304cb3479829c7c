#include "server/ca/crl.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "server/ca/crl_shard.h"

namespace acmekit::server::ca {
namespace {

using std::chrono::milliseconds;

std::int64_t to_ms(TimePoint t) { return std::chrono::duration_cast<milliseconds>(t.time_since_epoch()).count(); }

// The certificate id (lower-case hex serial) as the serial's bytes.
Result<std::string> serial_bytes(std::string_view hex) {
  std::string padded = hex.size() % 2 == 0 ? std::string(hex) : "0" + std::string(hex);
  std::string out;
  for (std::size_t i = 0; i < padded.size(); i += 2) {
    unsigned value = 0;
    for (char c : padded.substr(i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9') value |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') value |= static_cast<unsigned>(c - 'a' + 10);
      else return make_error(ErrorKind::kInvalidArgument, fmt::format("certificate id {} is not a hex serial", hex));
    }
    out += static_cast<char>(value);
  }
  if (out.empty()) return make_error(ErrorKind::kInvalidArgument, "empty certificate id");
  return out;
}

}  // namespace

std::chrono::seconds crl_next_update_after(std::chrono::seconds period) {
  return period + std::max(period, std::chrono::seconds(60));
}

std::vector<crypto::RevokedEntry> crl_entries(const std::vector<sa::RevokedCertificate>& revoked, int shard,
                                              int shards, TimePoint now, std::chrono::seconds period) {
  std::vector<crypto::RevokedEntry> out;
  for (const auto& r : revoked) {
    if (crl_shard(r.not_after, shards) != shard) continue;
    if (r.not_after + period <= now) continue;  // expired a period ago: dropped (RFC 5280 §3.3)
    auto serial = serial_bytes(r.serial_hex);
    if (!serial) {
      spdlog::warn("CRL: skipping certificate {}: {}", r.serial_hex, serial.error().message());
      continue;
    }
    out.push_back({.serial = std::move(*serial), .revoked_at = r.revoked_at, .reason = r.reason});
  }
  return out;
}

Result<int> CrlPublisher::run_once() {
  std::lock_guard lock(mu_);
  const TimePoint now = clock_.now();
  if (now < next_check_) return 0;
  auto made = generate(now);
  if (!made) {
    ++errors_;
    next_check_ = now;  // try again at the next tick
  }
  return made;
}

Result<int> CrlPublisher::generate(TimePoint now) {
  // Across instances: one pass at a time; the pass that finds the stored
  // generation fresh makes nothing.
  ACMEKIT_TRY(auto held, storage_.exclusive("crl"));
  ACMEKIT_TRY(auto newest, storage_.latest_crl(0));
  if (newest && newest->this_update + options_.period > now) {
    // Made by another instance (or by this one before a restart).
    next_check_ = std::min(newest->this_update + options_.period, now + options_.period);
    return 0;
  }
  ACMEKIT_TRY(auto revoked, storage_.list_revoked_certificates(now - options_.period));
  const TimePoint next_update = now + crl_next_update_after(options_.period);
  std::vector<sa::CrlRecord> records;
  std::uint64_t entries = 0;
  std::int64_t highest = 0;
  for (int shard = 0; shard < options_.shards; ++shard) {
    crypto::CrlTemplate tmpl;
    // RFC 5280 §5.2.3: increasing. The thisUpdate time in milliseconds,
    // and past the shard's stored number whatever the clocks of the
    // instances say.
    std::int64_t number = to_ms(now);
    std::optional<sa::CrlRecord> previous;
    if (shard == 0) {
      previous = std::move(newest);
    } else {
      ACMEKIT_TRY(previous, storage_.latest_crl(shard));
    }
    if (previous) number = std::max(number, previous->number + 1);
    tmpl.number = static_cast<std::uint64_t>(number);
    tmpl.this_update = now;
    tmpl.next_update = next_update;
    tmpl.distribution_point = crl_url(options_.url_base, shard);
    tmpl.entries = crl_entries(revoked, shard, options_.shards, now, options_.period);
    entries += tmpl.entries.size();
    ACMEKIT_TRY(std::string der, authority_.sign_crl(tmpl));
    highest = std::max(highest, number);
    records.push_back({.shard = shard, .number = number, .this_update = now, .next_update = next_update,
                       .der = std::move(der)});
  }
  ACMEKIT_CHECK(storage_.add_crls(records));
  next_check_ = now + options_.period;
  last_generation_ms_ = to_ms(now);
  last_number_ = highest;
  last_entries_ = entries;
  crls_made_ += records.size();
  spdlog::info("CRLs: {} shard(s) published, {} entr{}, next by {}", records.size(), entries,
               entries == 1 ? "y" : "ies", fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(next_update)));
  return static_cast<int>(records.size());
}

std::string CrlPublisher::metrics_text() const {
  std::string out;
  out += "# HELP acmekit_ca_crl_last_generation_timestamp_seconds When this instance last published CRLs (thisUpdate).\n";
  out += "# TYPE acmekit_ca_crl_last_generation_timestamp_seconds gauge\n";
  out += fmt::format("acmekit_ca_crl_last_generation_timestamp_seconds {:.3f}\n", last_generation_ms_.load() / 1000.0);
  out += "# HELP acmekit_ca_crl_generated_total CRLs this instance signed and stored since start.\n";
  out += "# TYPE acmekit_ca_crl_generated_total counter\n";
  out += fmt::format("acmekit_ca_crl_generated_total {}\n", crls_made_.load());
  out += "# HELP acmekit_ca_crl_entries Revoked certificates listed by the last generation, all shards.\n";
  out += "# TYPE acmekit_ca_crl_entries gauge\n";
  out += fmt::format("acmekit_ca_crl_entries {}\n", last_entries_.load());
  out += "# HELP acmekit_ca_crl_number The highest CRL number of the last generation.\n";
  out += "# TYPE acmekit_ca_crl_number gauge\n";
  out += fmt::format("acmekit_ca_crl_number {}\n", last_number_.load());
  out += "# HELP acmekit_ca_crl_errors_total CRL passes that failed (tried again at the next tick).\n";
  out += "# TYPE acmekit_ca_crl_errors_total counter\n";
  out += fmt::format("acmekit_ca_crl_errors_total {}\n", errors_.load());
  return out;
}

}  // namespace acmekit::server::ca
