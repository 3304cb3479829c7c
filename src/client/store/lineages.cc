#include "client/store/lineages.h"

#include <algorithm>
#include <regex>
#include <sstream>

#include "client/store/atomic_file.h"
#include "client/store/config_lock.h"
#include "client/store/lineage_index.h"
#include "core/test_point.h"
#include "core/version.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;

namespace {
constexpr const char* kKinds[] = {"cert", "chain", "fullchain", "privkey"};

int version_of(const std::string& filename) {
  static const std::regex re(R"(^(cert|chain|fullchain|privkey)(\d+)\.pem$)");
  std::smatch m;
  if (std::regex_match(filename, m, re)) return std::stoi(m[2]);
  return 0;
}

std::string trim_conf(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t\r") + 1);
  return s;
}

// configobj quotes a value that holds a comma, a '#' or edge spaces:
// "..." or '...' around the whole value, that quote not inside. acmekit
// writes values as they are, so one such as `"/my hook" arg` stays whole.
// A value holding both quote kinds is in triple quotes ('''...''' or """...""").
std::string unquote_conf(const std::string& v) {
  for (const char* triple : {"'''", R"(""")"}) {
    if (v.size() >= 6 && v.starts_with(triple) && v.ends_with(triple)) return v.substr(3, v.size() - 6);
  }
  if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front() &&
      v.find(v.front(), 1) == v.size() - 1) {
    return v.substr(1, v.size() - 2);
  }
  return v;
}

// The inverse for writing: a key or value the reader would change (edge
// spaces trimmed, enclosing quotes taken off, a key read as a comment or a
// section) is written in quotes, so every conf read back holds what was written.
std::string quote_conf(const std::string& v, bool is_key) {
  const bool needs = (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.back() == ' ' ||
                                     v.back() == '\t' || v.back() == '\r')) ||
                     unquote_conf(v) != v || (is_key && !v.empty() && (v.front() == '#' || v.front() == '['));
  if (!needs) return v;
  if (v.find('"') == std::string::npos) return '"' + v + '"';
  if (v.find('\'') == std::string::npos) return '\'' + v + '\'';
  return R"(""")" + v + R"(""")";
}
}  // namespace

Status LineageStore::check_name(std::string_view name) {
  if (name.empty() || name.front() == '.' || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::kInvalidArgument, "invalid certificate name \"" + std::string(name) + "\"");
  }
  return {};
}

bool LineageStore::is_certbot_layout(const std::string& name) const {
  std::error_code ec;
  return fs::is_directory(fs::symlink_status(dir_ / "live" / name, ec));
}

LineagePaths LineageStore::live_paths(const std::string& name) const {
  const fs::path live = dir_ / "live" / name;
  return {live / "cert.pem", live / "chain.pem", live / "fullchain.pem", live / "privkey.pem"};
}

std::vector<int> LineageStore::version_dirs(const std::string& name) const {
  std::vector<int> out;
  const std::string prefix = "." + name + ".v";
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "live", ec)) {
    const std::string f = e.path().filename().string();
    if (!f.starts_with(prefix) || f.size() == prefix.size()) continue;
    const std::string num = f.substr(prefix.size());
    if (std::all_of(num.begin(), num.end(), [](char c) { return c >= '0' && c <= '9'; }) && num.size() < 9) {
      out.push_back(std::stoi(num));
    }
  }
  return out;
}

int LineageStore::latest_version(const std::string& name) const {
  int latest = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "archive" / name, ec)) {
    latest = std::max(latest, version_of(e.path().filename().string()));
  }
  return latest;
}

std::vector<std::string> LineageStore::list() const {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "live", ec)) {
    const std::string n = e.path().filename().string();
    if (!n.empty() && n.front() != '.' && fs::exists(e.path() / "cert.pem")) names.push_back(n);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<LineagePaths> LineageStore::install(const std::string& name, const LineageFiles& files,
                                           const RenewalConfig& renewal) {
  ACMEKIT_CHECK(check_name(name));
  // One writer at a time (another process may renew this lineage too): the
  // version number is chosen and used under the config dir's lock.
  ACMEKIT_TRY(auto lock, ConfigLock::acquire(dir_));
  const fs::path archive = dir_ / "archive" / name;
  const int n = latest_version(name) + 1;
  const std::string v = std::to_string(n);
  std::error_code ec;
  fs::create_directories(archive, ec);
  fs::permissions(archive, fs::perms::owner_all, ec);  // 0700 like certbot

  // 1. The new version's files, each durable before anything points at it.
  ACMEKIT_CHECK(write_file_atomic(archive / ("cert" + v + ".pem"), files.cert_pem, 0644));
  ACMEKIT_CHECK(write_file_atomic(archive / ("chain" + v + ".pem"), files.chain_pem, 0644));
  ACMEKIT_CHECK(write_file_atomic(archive / ("fullchain" + v + ".pem"), files.fullchain_pem, 0644));
  ACMEKIT_CHECK(write_file_atomic(archive / ("privkey" + v + ".pem"), files.privkey_pem, 0600));

  test_point("install-archived");
  const fs::path live_dir = dir_ / "live";
  const fs::path live = live_dir / name;
  if (is_certbot_layout(name)) {
    // certbot's layout (live/<name> a real directory of four links): the
    // way certbot installs a version, so certbot keeps reading and renewing
    // it and nginx's live/<name>/fullchain.pem paths keep working. Each link
    // is replaced atomically (the key right after the full chain); certbot's
    // renewal conf stays as certbot wrote it.
    for (const char* kind : {"cert", "chain", "fullchain", "privkey"}) {
      ACMEKIT_CHECK(replace_symlink_atomic(fs::path("../../archive") / name / (std::string(kind) + v + ".pem"),
                                           live / (std::string(kind) + ".pem")));
    }
    if (!fs::exists(renewal_path(name), ec)) {
      ACMEKIT_CHECK(write_file_atomic(renewal_path(name), format_renewal_config(name, dir_, renewal), 0644));
    }
    return live_paths(name);
  }
  ACMEKIT_CHECK(link_version_locked(name, n, renewal));
  return live_paths(name);
}

Status LineageStore::link_version(const std::string& name, int n, const RenewalConfig& renewal) {
  ACMEKIT_CHECK(check_name(name));
  ACMEKIT_TRY(auto lock, ConfigLock::acquire(dir_));
  return link_version_locked(name, n, renewal);
}

Status LineageStore::link_version_locked(const std::string& name, int n, const RenewalConfig& renewal) {
  const fs::path live_dir = dir_ / "live";
  const fs::path live = live_dir / name;
  std::error_code ec;
  // 2. A directory of relative symlinks for version N, next to live/<name>
  // (live/.<name>.vN) so that "../../archive/<name>/certN.pem" resolves
  // the same from there as from live/<name>/: for the kernel and for tools
  // such as certbot that join link targets onto live/<name> textually.
  const std::string v = std::to_string(n);
  const std::string version_entry = "." + name + ".v" + v;
  const fs::path version_dir = live_dir / version_entry;
  fs::remove_all(version_dir, ec);  // left over by a crash before step 4
  fs::create_directories(version_dir, ec);
  if (ec) return make_error(ErrorKind::kIo, "creating " + version_dir.string() + ": " + ec.message());
  for (const char* kind : kKinds) {
    ACMEKIT_CHECK(replace_symlink_atomic(fs::path("../../archive") / name / (std::string(kind) + v + ".pem"),
                                         version_dir / (std::string(kind) + ".pem")));
  }

  // 3. What a later renewal needs.
  ACMEKIT_CHECK(write_file_atomic(dir_ / "renewal" / (name + ".conf"),
                                  format_renewal_config(name, dir_, renewal), 0644));

  test_point("install-before-switch");
  // 4. The switch: one rename of live/<name>.
  ACMEKIT_CHECK(replace_symlink_atomic(version_entry, live));

  // Older version directories are no longer referenced; keep the previous
  // one for readers that resolved the old link a moment ago.
  for (int old : version_dirs(name)) {
    if (old < n - 1) fs::remove_all(live_dir / ("." + name + ".v" + std::to_string(old)), ec);
  }
  return {};
}

std::string format_renewal_config(const std::string& name, const fs::path& dir,
                                  const RenewalConfig& renewal) {
  std::ostringstream out;
  const fs::path live = dir / "live" / name;
  out << "# renewal configuration written by acmekit; certbot's format\n"
      << "version = " << kVersion << "\n"  // acmekit's version; certbot parses it as a version number
      << "archive_dir = " << (dir / "archive" / name).string() << "\n"
      << "cert = " << (live / "cert.pem").string() << "\n"
      << "privkey = " << (live / "privkey.pem").string() << "\n"
      << "chain = " << (live / "chain.pem").string() << "\n"
      << "fullchain = " << (live / "fullchain.pem").string() << "\n\n"
      << "[renewalparams]\n";
  for (const auto& [k, v] : renewal.params) out << quote_conf(k, true) << " = " << quote_conf(v, false) << "\n";
  for (const auto& [section, entries] : renewal.subsections) {  // configobj: after the section's own keys
    out << "[[" << section << "]]\n";
    for (const auto& [k, v] : entries) out << quote_conf(k, true) << " = " << quote_conf(v, false) << "\n";
  }
  return out.str();
}

RenewalConfig parse_renewal_config(std::string_view text) {
  RenewalConfig cfg;
  std::istringstream in{std::string(text)};
  std::string line;
  bool in_params = false;
  std::string subsection;  // inside [renewalparams]: the [[NAME]] being read, "" for the section itself
  bool skipping = false;   // after a section line configobj would refuse: its keys are dropped
  while (std::getline(in, line)) {
    line = trim_conf(line);
    if (line.empty() || line[0] == '#') continue;
    if (line.front() == '[') {
      skipping = false;
      if (line.starts_with("[[")) {
        // [[NAME]], a comment after it allowed; NAME up to the last `]]`
        // (so every name format_renewal_config writes reads back).
        const auto end = line.rfind("]]");
        const std::string after = end == std::string::npos || end < 2 ? "?" : trim_conf(line.substr(end + 2));
        subsection = end == std::string::npos || end < 2 ? "" : trim_conf(line.substr(2, end - 2));
        skipping = subsection.empty() || !(after.empty() || after.front() == '#');
        continue;
      }
      in_params = line == "[renewalparams]";
      subsection.clear();
      continue;
    }
    if (!in_params || skipping) continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    auto key = unquote_conf(trim_conf(line.substr(0, eq)));
    auto value = unquote_conf(trim_conf(line.substr(eq + 1)));
    if (subsection.empty()) {
      cfg.params[key] = value;
    } else {
      cfg.subsections[subsection][key] = value;
    }
  }
  return cfg;
}

Status LineageStore::remove(const std::string& name) {
  ACMEKIT_CHECK(check_name(name));
  std::error_code ec;
  const fs::path conf = dir_ / "renewal" / (name + ".conf");
  const fs::path live = dir_ / "live" / name;
  const fs::path archive = dir_ / "archive" / name;
  if (!fs::exists(conf, ec) && !fs::exists(fs::symlink_status(live, ec)) && !fs::exists(archive, ec)) {
    return make_error(ErrorKind::kNotFound, "no certificate named \"" + name + "\"");
  }
  ACMEKIT_TRY(auto lock, ConfigLock::acquire(dir_));
  // The renewal index (lineage_index.h) keys entries by link target; a
  // lineage made again under this name must not match a stale entry: its
  // line goes, and a scan running meanwhile does not write it back.
  ACMEKIT_CHECK(drop_index_line(*this, name));
  ACMEKIT_CHECK(bump_index_epoch(dir_));
  for (const fs::path& p : {conf, live, archive}) {
    fs::remove_all(p, ec);
    if (ec) return make_error(ErrorKind::kIo, "removing " + p.string() + ": " + ec.message());
  }
  for (int v : version_dirs(name)) fs::remove_all(dir_ / "live" / ("." + name + ".v" + std::to_string(v)), ec);
  (void)sync_directory(dir_ / "live");  // best effort: the removal itself succeeded
  return {};
}

Status LineageStore::replace_renewal(const std::string& name, std::string_view expected,
                                     const RenewalConfig& renewal) {
  ACMEKIT_CHECK(check_name(name));
  ACMEKIT_TRY(auto lock, ConfigLock::acquire(dir_));
  ACMEKIT_TRY(auto now, read_file(renewal_path(name)));
  if (now != expected) {
    return make_error(ErrorKind::kFailedPrecondition,
                      renewal_path(name).string() + " was changed by another process meanwhile; left as it is");
  }
  return write_file_atomic(renewal_path(name), format_renewal_config(name, dir_, renewal), 0644);
}

Result<RenewalConfig> LineageStore::read_renewal(const std::string& name) const {
  ACMEKIT_TRY(auto text, read_file(dir_ / "renewal" / (name + ".conf")));
  return parse_renewal_config(text);
}

}  // namespace acmekit::client::store
