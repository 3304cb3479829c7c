#include "client/renewal/ari_cache.h"

#include "client/store/config_lock.h"

#include <charconv>

#include "core/fs/atomic_file.h"

namespace acmekit::client::renewal {
namespace fs = std::filesystem;
using std::chrono::seconds;

namespace {

constexpr std::string_view kHeader =
    "# acmekit ARI cache v2: name cert_id server ca_bundle start end renew_at next_fetch failures "
    "explanation_url\n";
constexpr size_t kFields = 9;  // after the name

int64_t epoch(TimePoint t) { return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count(); }
TimePoint from_epoch(int64_t s) { return TimePoint(seconds(s)); }

// A number that is also a time in unix seconds: within system_clock's range
// (nanoseconds: years 1678..2262), so converting it cannot overflow. A line
// with a larger one is foreign (a corrupt file).
bool number(std::string_view text, int64_t& out) {
  constexpr int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()).count();
  auto [ptr, ec] = std::from_chars(text.begin(), text.end(), out);
  return !text.empty() && ec == std::errc() && ptr == text.end() && out < kMax && out > -kMax;
}

bool plain(std::string_view s) { return s.find_first_of("\t\n\r") == std::string_view::npos; }

// One stored line (after the name) -> the state, if it is about cert_id.
std::optional<AriState> parse(std::string_view rest, std::string_view cert_id) {
  std::string_view f[kFields];
  if (!store::split_fields(rest, f, kFields) || f[0] != cert_id) return std::nullopt;
  int64_t start, end, renew_at, next_fetch, failures;
  if (!number(f[3], start) || !number(f[4], end) || !number(f[5], renew_at) || !number(f[6], next_fetch) ||
      !number(f[7], failures)) {
    return std::nullopt;  // a foreign line: that lineage is fetched again
  }
  AriState s{.cert_id = std::string(cert_id), .next_fetch = from_epoch(next_fetch),
             .failures = static_cast<int>(failures), .server = std::string(f[1]), .ca_bundle = std::string(f[2])};
  if (end > start && renew_at >= start && renew_at <= end) {
    s.window = AriWindow{.start = from_epoch(start), .end = from_epoch(end), .renew_at = from_epoch(renew_at),
                         .explanation_url = std::string(f[8])};
  }
  return s;
}

void append_line(std::string& out, std::string_view name, const AriState& s) {
  if (name.empty() || s.cert_id.empty() || !plain(name) || !plain(s.cert_id)) return;
  const AriWindow* w = s.window ? &*s.window : nullptr;
  out += name;
  out += '\t';
  out += s.cert_id;
  out += '\t';
  if (plain(s.server) && plain(s.ca_bundle)) {
    out += s.server;
    out += '\t';
    out += s.ca_bundle;
  } else {
    out += '\t';  // unknown: the renewal conf says, next time
  }
  for (int64_t v : {w ? epoch(w->start) : 0, w ? epoch(w->end) : 0, w ? epoch(w->renew_at) : 0, epoch(s.next_fetch),
                    int64_t{s.failures}}) {
    out += '\t';
    out += std::to_string(v);
  }
  out += '\t';
  if (w && plain(w->explanation_url)) out += w->explanation_url;
  out += '\n';
}

}  // namespace

AriCache AriCache::load(const fs::path& config_dir) {
  AriCache cache;
  cache.file_ = config_dir / ".index" / "ari.tsv";
  cache.stored_ = store::SortedTsv::load(cache.file_);
  return cache;
}

std::optional<AriState> AriCache::find(std::string_view name, std::string_view cert_id) const {
  if (!changes_.empty()) {
    if (auto it = changes_.find(name); it != changes_.end()) {
      if (!it->second || it->second->cert_id != cert_id) return std::nullopt;
      return it->second;
    }
  }
  auto row = stored_.find(name);
  if (!row) return std::nullopt;
  return parse(*row, cert_id);
}

void AriCache::put(const std::string& name, AriState state) {
  changes_.insert_or_assign(name, std::move(state));
  changed_ = true;
}

void AriCache::forget(std::string_view name) {
  if (auto it = changes_.find(name); it != changes_.end()) {
    if (it->second) {
      it->second.reset();
      changed_ = true;
    }
    return;
  }
  if (stored_.find(name)) {
    changes_.emplace(std::string(name), std::nullopt);
    changed_ = true;
  }
}

void AriCache::keep_only(const std::vector<std::string_view>& sorted_names) {
  // Both sides sorted: one merge.
  auto keep = sorted_names.begin();
  for (const auto& row : stored_.rows()) {
    while (keep != sorted_names.end() && *keep < row.key) ++keep;
    if (keep == sorted_names.end() || *keep != row.key) {
      changes_.insert_or_assign(std::string(row.key), std::nullopt);
      changed_ = true;
    }
  }
  for (auto& [name, state] : changes_) {
    if (state && !std::binary_search(sorted_names.begin(), sorted_names.end(), std::string_view(name))) {
      state.reset();
      changed_ = true;
    }
  }
}

Status AriCache::save() {
  if (!changed_) return {};
  // Under the config dir's lock, merged into what is on disk now (another
  // process may have saved since this one loaded).
  ACMEKIT_TRY(auto lock, store::ConfigLock::acquire(file_.parent_path().parent_path(), std::chrono::seconds(10)));
  stored_ = store::SortedTsv::load(file_);
  std::string out(kHeader);
  out.reserve(kHeader.size() + (stored_.size() + changes_.size()) * 128);
  // Merge the stored rows with the changes, both sorted by name.
  auto change = changes_.begin();
  auto flush_changes_before = [&](std::string_view key, bool all) {
    for (; change != changes_.end() && (all || change->first < key); ++change) {
      if (change->second) append_line(out, change->first, *change->second);
    }
  };
  for (const auto& row : stored_.rows()) {
    flush_changes_before(row.key, false);
    if (change != changes_.end() && change->first == row.key) continue;  // replaced or forgotten
    out += row.key;
    out += '\t';
    out += row.rest;
    out += '\n';
  }
  flush_changes_before({}, true);
  ACMEKIT_CHECK(fsio::write_file_atomic(file_, out, 0644));
  changed_ = false;
  return {};
}

}  // namespace acmekit::client::renewal
