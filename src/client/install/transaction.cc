#include "client/install/transaction.h"

#include <unistd.h>

#include <ctime>
#include <system_error>

#include "client/install/unified_diff.h"
#include "client/store/atomic_file.h"

namespace acmekit::client::install {
namespace fs = std::filesystem;

namespace {

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

fs::path new_backup_dir(const fs::path& root) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  ::gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  return root / (std::string(stamp) + "-" + std::to_string(::getpid()));
}

// The missing directories above a new file, made 0755 whatever the
// umask: the server's workers (www-data) read what goes there (Apache's
// http-01 token files). write_file_atomic would make them 0700.
Status make_parent_dirs(const fs::path& file) {
  std::vector<fs::path> missing;
  std::error_code ec;
  for (fs::path d = file.parent_path(); !d.empty() && !fs::exists(d, ec); d = d.parent_path()) {
    missing.push_back(d);
    if (d == d.root_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    fs::create_directory(*it, ec);
    if (!ec) fs::permissions(*it, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                      fs::perms::others_read | fs::perms::others_exec, ec);
    if (ec) return make_error(ErrorKind::kIo, "creating " + it->string() + ": " + ec.message());
  }
  return {};
}

}  // namespace

Result<Backup> back_up(const FileEdits& edits, const fs::path& backup_root) {
  Backup backup;
  std::string created_list;
  for (const auto& [path, text] : edits) {
    std::error_code ec;
    if (!fs::exists(path, ec)) {
      backup.originals[path] = std::nullopt;
      created_list += path + "\n";
      continue;
    }
    ACMEKIT_TRY(std::string old, store::read_file(path));
    backup.modes[path] = static_cast<unsigned>(fs::status(path, ec).permissions() & fs::perms::mask);
    backup.originals[path] = std::move(old);
  }
  if (backup_root.empty()) return backup;
  backup.dir = new_backup_dir(backup_root);
  for (const auto& [path, old] : backup.originals) {
    if (!old) continue;
    // Configurations may hold secrets (auth_basic files, keys): 0600.
    ACMEKIT_CHECK(store::write_file_atomic(backup.dir / fs::path(path).relative_path(), *old, 0600));
  }
  ACMEKIT_CHECK(store::write_file_atomic(backup.dir / "created", created_list, 0600));
  return backup;
}

Status restore_files(const Backup& backup) {
  Status first;
  for (const auto& [path, old] : backup.originals) {
    Status s;
    if (old) {
      const auto mode = backup.modes.find(path);
      s = store::write_file_atomic(path, *old, mode == backup.modes.end() ? 0644 : mode->second);
    } else {
      std::error_code ec;
      fs::remove(path, ec);
      if (ec) s = make_error(ErrorKind::kIo, "cannot remove " + path + ": " + ec.message());
    }
    if (!s && first) first = std::move(s);
  }
  return first;
}

Result<AppliedEdits> apply_edits(WebServer& server, const FileEdits& edits, const ApplyOptions& options) {
  AppliedEdits applied;
  ACMEKIT_TRY(applied.backup, back_up(edits, options.dry_run ? fs::path() : options.backup_root));
  for (const auto& [path, text] : edits) {
    const auto& old = applied.backup.originals.at(path);
    if (old && *old == text) continue;
    applied.diff += unified_diff(path, old.value_or(""), text, old.has_value());
    (old ? applied.changed : applied.created).push_back(path);
  }
  if (options.dry_run || (applied.changed.empty() && applied.created.empty())) return applied;

  const auto fail = [&](Error error, bool reload_old) -> Result<AppliedEdits> {
    const Status restored = restore_files(applied.backup);
    // What was put back: the changed files' old bytes, the created ones removed.
    std::string what;
    if (!applied.changed.empty()) what = "restored " + joined(applied.changed);
    if (!applied.created.empty()) what += (what.empty() ? "" : ", ") + std::string("removed ") + joined(applied.created);
    std::string note = restored ? "; " + what : "; restoring failed: " + restored.error().detail;
    if (restored && reload_old) {
      const Status reloaded = server.reload();
      note += reloaded ? " and reloaded " + std::string(server.name()) : "; reloading failed: " + reloaded.error().detail;
    }
    if (!applied.backup.dir.empty()) note += " (backup in " + applied.backup.dir.string() + ")";
    error.detail += note;
    return std::unexpected(std::move(error));
  };
  for (const auto& [path, text] : edits) {
    const auto& old = applied.backup.originals.at(path);
    if (old && *old == text) continue;
    const auto mode = applied.backup.modes.find(path);
    if (!old) {
      if (Status s = make_parent_dirs(path); !s) return fail(std::move(s).error(), false);
    }
    if (Status s = store::write_file_atomic(path, text, mode == applied.backup.modes.end() ? 0644 : mode->second); !s) {
      return fail(std::move(s).error(), false);
    }
  }
  if (Status s = server.config_test(); !s) return fail(std::move(s).error(), false);
  if (!options.reload) return applied;
  if (Status s = server.reload(); !s) return fail(std::move(s).error(), true);
  applied.reloaded = true;
  return applied;
}

Status revert_edits(WebServer& server, const Backup& backup) {
  ACMEKIT_CHECK(restore_files(backup));
  ACMEKIT_CHECK(server.config_test());
  return server.reload();
}

}  // namespace acmekit::client::install
