// THE driver of every web server's edits (nginx, apache): back up each file
// an edit touches, write the new texts atomically, run the server's
// configuration test, reload; on any failure put every file back byte for
// byte (a file we created is removed) and reload the old configuration, so
// the site keeps serving what it served. --dry-run computes the unified
// diff and writes nothing.
//
// Backups (certbot keeps them under its work dir): BACKUP_ROOT/<UTC time>-<pid>/
// followed by the file's absolute path, each 0600; a file that did not exist
// is listed in BACKUP_ROOT/<...>/created. BACKUP_ROOT is
// CONFIG_DIR/backups/<server name> (acmekit's config dir, /etc/letsencrypt).
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

// What the files held before the edits: path -> text, nullopt when the file
// did not exist.
struct Backup {
  std::filesystem::path dir;  // where the copies lie; empty for a dry run
  std::map<std::string, std::optional<std::string>> originals;
  std::map<std::string, unsigned> modes;  // the permission bits of each existing file
};

// Reads the current texts of `edits`' files and, with a non-empty
// backup_root, copies them under a new directory of it.
Result<Backup> back_up(const FileEdits& edits, const std::filesystem::path& backup_root);

// Every file of `backup` back to its old bytes (a created file removed).
// Goes on past a failure and returns the first.
Status restore_files(const Backup& backup);

struct ApplyOptions {
  std::filesystem::path backup_root;  // see above
  bool dry_run = false;
  bool reload = true;  // false: write and test only (the caller reloads once later)
};

struct AppliedEdits {
  std::vector<std::string> changed;  // existing files rewritten
  std::vector<std::string> created;  // new files
  std::string diff;                  // unified diff of every edit, file by file
  bool reloaded = false;
  Backup backup;  // to put the files back (challenge cleanup)
};

// Back up, write (a new file's missing directories made 0755, for the
// server's workers), config_test, reload. On failure the files are restored,
// the server reloaded when it had been given the new configuration, and
// the error is the first cause (with "restored CHANGED, removed CREATED"
// appended). No edit:
// nothing written, nothing reloaded. dry_run: only `diff` filled.
Result<AppliedEdits> apply_edits(WebServer& server, const FileEdits& edits, const ApplyOptions& options);

// restore_files + the server's config_test + reload (challenge cleanup).
Status revert_edits(WebServer& server, const Backup& backup);

}  // namespace acmekit::client::install
