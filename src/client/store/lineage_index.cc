#include "client/store/lineage_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <iterator>

#include "client/store/atomic_file.h"
#include "client/store/config_lock.h"
#include "client/store/revocations.h"
#include "client/store/sorted_tsv.h"
#include "core/crypto/certificate.h"
#include "core/wire/renewal_info.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

// After the name: link target, notBefore, notAfter (unix seconds), the RFC
// 9773 certificate id, "1" when the certificate is in the lineage's
// revocation record (else "0"). A line with fewer fields (an older
// acmekit's) is a miss: that lineage is parsed once.
constexpr size_t kFields = 5;

int64_t epoch(system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

// A number that is also a time in unix seconds: within system_clock's range
// (nanoseconds: years 1678..2262), so converting it cannot overflow. A line
// with a larger one is foreign (a corrupt file).
bool number(std::string_view text, int64_t& out) {
  constexpr int64_t kMax =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::duration::max()).count();
  auto [ptr, ec] = std::from_chars(text.begin(), text.end(), out);
  return !text.empty() && ec == std::errc() && ptr == text.end() && out < kMax && out > -kMax;
}

// Where live/NAME points (relative to the open live/ directory, so the
// kernel resolves one component). Empty for a non-link (certbot-made
// lineage). LineageStore::remove() drops the index, so a lineage deleted and
// made again at the same version number never matches its old entry.
std::string link_target(int live_fd, const std::string& name) {
  char buf[4096];
  ssize_t n = ::readlinkat(live_fd, name.c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

// certbot's live/NAME: a real directory of links (cert.pem ->
// ../../archive/NAME/certN.pem) that every new version replaces (a link is
// never edited in place), which changes the directory's ctime. So its inode
// and ctime stand for the version, read with one stat of one component (as
// cheap as acmekit's one readlink of live/NAME; readlink of NAME/cert.pem
// costs a second component's lookup). Empty when it is no directory, or when
// its ctime is not before `settled_ns`: a change later in the same clock tick
// would leave the ctime as it was (git's "racy" entries), so such a lineage
// is read, and not cached, until it has settled.
std::string dir_key(int live_fd, const std::string& name, int64_t settled_ns) {
  struct stat st {};
  if (::fstatat(live_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) return {};
  const int64_t ctime_ns = int64_t{st.st_ctim.tv_sec} * 1'000'000'000 + st.st_ctim.tv_nsec;
  if (ctime_ns >= settled_ns) return {};
  char buf[64] = "dir:";  // one allocation-free format: this runs 100,000 times per renew
  char* at = std::to_chars(buf + 4, std::end(buf), static_cast<uint64_t>(st.st_ino)).ptr;
  *at++ = ':';
  at = std::to_chars(at, std::end(buf), ctime_ns).ptr;
  return std::string(buf, at);
}

// Whether live/NAME/cert.pem is a link: only then does a new version change
// the directory (a regular file edited in place would not).
bool cert_is_link(int live_fd, const std::string& name) {
  struct stat st {};
  return ::fstatat(live_fd, (name + "/cert.pem").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode);
}

// An entry of live/ with no key: a lineage (whose certificate will be read,
// or reported unreadable) only if it is a directory or link holding a
// cert.pem; certbot's live/README and other stray entries are not.
bool looks_like_lineage(int live_fd, const std::string& name) {
  struct stat st {};
  if (::fstatat(live_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return false;
  if (S_ISLNK(st.st_mode)) return true;  // an acmekit link readlink could not read
  if (!S_ISDIR(st.st_mode)) return false;
  return ::fstatat(live_fd, (name + "/cert.pem").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool plain(std::string_view s) { return s.find_first_of("\t\n") == std::string_view::npos; }

}  // namespace

LineageScan scan_lineages(const LineageStore& store, std::chrono::nanoseconds settle) {
  const fs::path live = store.config_dir() / "live";
  const fs::path index_file = store.config_dir() / ".index" / "lineages.tsv";
  // Read before anything else: a writer that drops lines meanwhile moves it.
  const std::string epoch_at_start = index_epoch(store.config_dir());
  const SortedTsv cache = SortedTsv::load(index_file);

  std::vector<std::pair<std::string, bool>> names;  // and whether readdir says it is a directory
  DIR* dir = ::opendir(live.c_str());
  if (dir != nullptr) {
    while (dirent* e = ::readdir(dir)) {
      std::string_view n = e->d_name;
      if (n.empty() || n.front() == '.') continue;
      names.emplace_back(n, e->d_type == DT_DIR);
    }
  }
  std::sort(names.begin(), names.end());
  const int live_fd = dir != nullptr ? ::dirfd(dir) : -1;

  LineageScan scan;
  scan.lineages.reserve(names.size());
  std::vector<std::string> targets;  // of scan.lineages, for rewriting the index
  targets.reserve(names.size());
  bool changed = false;
  // A change from now on has a ctime from now on (less a clock tick).
  const int64_t settled_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(system_clock::now().time_since_epoch() - settle).count();
  for (const auto& [name, is_dir] : names) {
    // What changes with every new version: where acmekit's live/NAME link
    // points (.NAME.vN), else certbot's live/NAME directory (dir_key).
    std::string target = is_dir ? std::string() : link_target(live_fd, name);  // a directory is no link
    if (target.empty()) target = dir_key(live_fd, name, settled_ns);
    if (target.empty() && !looks_like_lineage(live_fd, name)) continue;  // certbot's README, a stray file
    LineageValidity v{.name = name};
    bool hit = false;
    if (auto row = target.empty() ? std::nullopt : cache.find(name)) {
      std::string_view f[kFields];
      int64_t nb, na;
      if (split_fields(*row, f, kFields) && f[0] == target && number(f[1], nb) && number(f[2], na) &&
          (f[4] == "0" || f[4] == "1")) {
        v.not_before = system_clock::time_point(seconds(nb));
        v.not_after = system_clock::time_point(seconds(na));
        v.cert_id = f[3];
        v.revoked = f[4] == "1";
        hit = true;
      }
    }
    if (!hit) {
      if (target.starts_with("dir:") && !cert_is_link(live_fd, name)) {
        if (!looks_like_lineage(live_fd, name)) continue;  // a directory without cert.pem
        target.clear();  // a regular file: read every time, never cached
      }
      ++scan.parsed;
      changed = true;
      auto pem = read_file(live / name / "cert.pem");
      if (!pem) {
        scan.unreadable.emplace_back(name, pem.error());
        continue;
      }
      auto certs = crypto::parse_pem_chain(*pem);
      if (!certs) {
        scan.unreadable.emplace_back(name, certs.error());
        continue;
      }
      const auto& leaf = certs->front();
      auto revoked = is_revoked(store, name, leaf.der);
      if (!revoked) {
        scan.unreadable.emplace_back(name, revoked.error());
        continue;
      }
      v.revoked = *revoked;
      v.not_before = leaf.not_before;
      v.not_after = leaf.not_after;
      if (!leaf.authority_key_id.empty()) v.cert_id = wire::ari_certificate_id(leaf.authority_key_id, leaf.serial_der);
    }
    scan.lineages.push_back(std::move(v));
    targets.push_back(std::move(target));
  }
  if (dir != nullptr) ::closedir(dir);
  // A lineage gone (or never cached: unreadable) shows in the count.
  changed = changed || cache.size() != scan.lineages.size();
  if (changed) {
    std::string out;
    out.reserve(scan.lineages.size() * 128);
    for (size_t i = 0; i < scan.lineages.size(); ++i) {
      const auto& l = scan.lineages[i];
      // Only link-based lineages with plain names are cached.
      if (targets[i].empty() || !plain(l.name) || !plain(targets[i])) continue;
      out += l.name;
      out += '\t';
      out += targets[i];
      out += '\t';
      out += std::to_string(epoch(l.not_before));
      out += '\t';
      out += std::to_string(epoch(l.not_after));
      out += '\t';
      out += l.cert_id;
      out += l.revoked ? "\t1\n" : "\t0\n";
    }
    // A cache: failing to write it only costs time. Under the config dir's
    // lock, and only if no writer invalidated lines since the scan began
    // (a revocation or a removal): else the next scan reads those again.
    if (auto lock = ConfigLock::acquire(store.config_dir(), std::chrono::seconds(5));
        lock && index_epoch(store.config_dir()) == epoch_at_start) {
      (void)write_file_atomic(index_file, out, 0644);
    }
  }
  return scan;
}

Status drop_index_line(const LineageStore& store, std::string_view name) {
  const fs::path index_file = store.config_dir() / ".index" / "lineages.tsv";
  const SortedTsv cache = SortedTsv::load(index_file);
  if (!cache.find(name)) return {};
  std::string out;
  out.reserve(cache.size() * 128);
  for (const auto& row : cache.rows()) {
    if (row.key == name) continue;
    out += row.key;
    out += '\t';
    out += row.rest;
    out += '\n';
  }
  return write_file_atomic(index_file, out, 0644);
}

}  // namespace acmekit::client::store
