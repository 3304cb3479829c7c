#include "client/renewal/rate_limits.h"

#include "client/store/config_lock.h"

#include <charconv>
#include <fstream>
#include <sstream>
#include <vector>

#include "client/store/atomic_file.h"

namespace acmekit::client::renewal {
namespace fs = std::filesystem;
using std::chrono::system_clock;

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto tab = line.find('\t', start);
    out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
    if (tab == std::string::npos) return out;
    start = tab + 1;
  }
}

// Tabs and newlines would break the line format.
std::string one_field(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  }
  return s;
}

}  // namespace

RateLimits RateLimits::load(const fs::path& config_dir) { return RateLimits(config_dir); }

namespace {

// The holds in a rate-limits.tsv file; torn or foreign lines are skipped.
std::map<std::pair<std::string, std::string>, RateLimitHold> read_holds(const fs::path& file) {
  std::map<std::pair<std::string, std::string>, RateLimitHold> holds;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    auto f = split_tabs(line);
    if (f.size() != 4) continue;
    long long until = 0;
    auto [p, ec] = std::from_chars(f[2].data(), f[2].data() + f[2].size(), until);
    if (ec != std::errc() || p != f[2].data() + f[2].size()) continue;
    holds[{f[0], f[1]}] = {system_clock::time_point(std::chrono::seconds(until)), f[3]};
  }
  return holds;
}

}  // namespace

RateLimits::RateLimits(const fs::path& config_dir)
    : file_(config_dir / ".index" / "rate-limits.tsv"), holds_(read_holds(file_)) {}

std::optional<RateLimitHold> RateLimits::held(const std::string& server, const std::string& account,
                                              system_clock::time_point now) const {
  std::lock_guard lock(mu_);
  auto it = holds_.find({server, account});
  if (it == holds_.end() || it->second.until <= now) return std::nullopt;
  return it->second;
}

void RateLimits::record(const std::string& server, const std::string& account, system_clock::time_point now,
                        std::optional<std::chrono::seconds> retry_after, std::string detail) {
  const auto until = now + (retry_after && retry_after->count() > 0 ? *retry_after : kDefaultHold);
  std::lock_guard lock(mu_);
  auto& hold = holds_[{server, account}];
  if (hold.until >= until) return;
  hold = {std::chrono::time_point_cast<std::chrono::seconds>(until), std::move(detail)};
  changed_ = true;
}

std::optional<system_clock::time_point> RateLimits::next_release(system_clock::time_point now) const {
  std::lock_guard lock(mu_);
  std::optional<system_clock::time_point> next;
  for (const auto& [key, hold] : holds_) {
    if (hold.until > now && (!next || hold.until < *next)) next = hold.until;
  }
  return next;
}

Status RateLimits::save(system_clock::time_point now) {
  std::lock_guard lock(mu_);
  // Under the config dir's lock, merged with what another process saved
  // since: the later end of each hold wins.
  ACMEKIT_TRY(auto config_lock, store::ConfigLock::acquire(file_.parent_path().parent_path(), std::chrono::seconds(10)));
  for (auto& [key, hold] : read_holds(file_)) {
    auto [it, fresh] = holds_.emplace(key, hold);
    if (!fresh && hold.until > it->second.until) {
      it->second = hold;
      changed_ = true;
    } else if (fresh) {
      changed_ = true;
    }
  }
  std::ostringstream out;
  bool expired = false;
  for (const auto& [key, hold] : holds_) {
    if (hold.until <= now) {
      expired = true;
      continue;
    }
    out << one_field(key.first) << '\t' << one_field(key.second) << '\t'
        << std::chrono::duration_cast<std::chrono::seconds>(hold.until.time_since_epoch()).count() << '\t'
        << one_field(hold.detail) << '\n';
  }
  if (!changed_ && !expired) return {};
  std::error_code ec;
  fs::create_directories(file_.parent_path(), ec);
  ACMEKIT_CHECK(store::write_file_atomic(file_, out.str(), 0644));
  changed_ = false;
  return {};
}

}  // namespace acmekit::client::renewal
