#include "client/store/lineage_index.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <sstream>
#include <unordered_map>

#include "client/store/atomic_file.h"
#include "core/crypto/certificate.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;
using std::chrono::seconds;
using std::chrono::system_clock;

namespace {

struct Cached {
  std::string target;
  int64_t not_before = 0, not_after = 0;
};

int64_t epoch(system_clock::time_point t) {
  return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

std::unordered_map<std::string, Cached> load(const fs::path& file) {
  std::unordered_map<std::string, Cached> out;
  auto text = read_file(file);
  if (!text) return out;
  out.reserve(static_cast<size_t>(std::count(text->begin(), text->end(), '\n')));
  std::string_view rest = *text;
  while (!rest.empty()) {
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
    std::string_view f[4];
    size_t n = 0;
    while (n < 4) {
      size_t tab = line.find('\t');
      f[n++] = line.substr(0, tab);
      if (tab == std::string_view::npos) break;
      line.remove_prefix(tab + 1);
    }
    if (n != 4) continue;  // a torn or foreign line: that lineage gets parsed
    Cached c{.target = std::string(f[1])};
    if (std::from_chars(f[2].begin(), f[2].end(), c.not_before).ec != std::errc() ||
        std::from_chars(f[3].begin(), f[3].end(), c.not_after).ec != std::errc()) {
      continue;
    }
    out.emplace(std::string(f[0]), std::move(c));
  }
  return out;
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

}  // namespace

LineageScan scan_lineages(const LineageStore& store) {
  const fs::path live = store.config_dir() / "live";
  const fs::path index_file = store.config_dir() / ".index" / "lineages.tsv";
  auto cache = load(index_file);

  std::vector<std::string> names;
  DIR* dir = ::opendir(live.c_str());
  if (dir != nullptr) {
    while (dirent* e = ::readdir(dir)) {
      std::string_view n = e->d_name;
      if (n.empty() || n.front() == '.') continue;
      names.emplace_back(n);
    }
  }
  std::sort(names.begin(), names.end());
  const int live_fd = dir != nullptr ? ::dirfd(dir) : -1;

  LineageScan scan;
  bool changed = cache.size() != names.size();
  std::ostringstream out;
  for (const auto& name : names) {
    const std::string target = link_target(live_fd, name);
    auto it = cache.find(name);
    Cached c;
    if (!target.empty() && it != cache.end() && it->second.target == target) {
      c = it->second;
    } else {
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
      c = {target, epoch(certs->front().not_before), epoch(certs->front().not_after)};
    }
    scan.lineages.push_back({name, system_clock::time_point(seconds(c.not_before)),
                             system_clock::time_point(seconds(c.not_after))});
    // Only link-based lineages with plain names are cached.
    if (!target.empty() && name.find_first_of("\t\n") == std::string::npos &&
        target.find_first_of("\t\n") == std::string::npos) {
      out << name << '\t' << target << '\t' << c.not_before << '\t' << c.not_after << '\n';
    }
  }
  if (dir != nullptr) ::closedir(dir);
  if (changed) (void)write_file_atomic(index_file, out.str(), 0644);  // a cache: failure only costs time
  return scan;
}

}  // namespace acmekit::client::store
