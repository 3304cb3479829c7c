// Remembering a CA's rateLimited answers (RFC 8555 §6.7) across runs, per
// account: a renewal pass does not ask again before the Retry-After the CA
// gave (an hour when it gave none), so a twice-daily timer or a restarted
// daemon does not hammer a rate-limited account and make it worse.
//
// CONFIG_DIR/.index/rate-limits.tsv, one line per account: directory URL,
// account id, until (unix seconds), the CA's message. Rewritten atomically
// when it changes; entries that have expired are dropped. Deleting the file
// lifts the hold (the CA still decides).
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"

namespace acmekit::client::renewal {

struct RateLimitHold {
  std::chrono::system_clock::time_point until;
  std::string detail;  // the CA's problem, as Error::message()
};

class RateLimits {
 public:
  // When the CA gave no Retry-After with rateLimited.
  static constexpr std::chrono::seconds kDefaultHold{3600};

  // A missing or unreadable file is no holds.
  static RateLimits load(const std::filesystem::path& config_dir);

  // The hold on (server, account) if it lasts beyond now. Thread safe.
  std::optional<RateLimitHold> held(const std::string& server, const std::string& account,
                                    std::chrono::system_clock::time_point now) const;
  // Records a rateLimited answer received at now (retry_after from the CA's
  // Retry-After, if any); keeps the later of two holds. Thread safe.
  void record(const std::string& server, const std::string& account, std::chrono::system_clock::time_point now,
              std::optional<std::chrono::seconds> retry_after, std::string detail);
  // The earliest hold still running after now, for the daemon's wake-up.
  std::optional<std::chrono::system_clock::time_point> next_release(std::chrono::system_clock::time_point now) const;
  // Writes the file (without expired holds) if anything changed.
  Status save(std::chrono::system_clock::time_point now);

 private:
  explicit RateLimits(const std::filesystem::path& config_dir);

  std::filesystem::path file_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, RateLimitHold> holds_;
  bool changed_ = false;
};

}  // namespace acmekit::client::renewal
