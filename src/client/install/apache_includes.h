// All the files of one Apache httpd configuration: the main file and every
// file its Include / IncludeOptional directives name, each parsed
// (apache_config.h).
//
// As httpd 2.4 resolves them (server/config.c ap_process_resource_config,
// ap_process_fnmatch_configs; the manual's Include and IncludeOptional): a
// relative path is relative to the ServerRoot (/etc/apache2 on Debian;
// certbot's --apache-server-root); fnmatch wildcards (* ? [) may stand in
// the file and directory parts, their matches are read in sorted order; a
// directory (named or matched) means every file under it, sorted,
// recursively; Include fails when a path without wildcards is missing or
// a wildcard matches nothing, IncludeOptional does not. ${VAR} in a path is
// a Define's value or, failing that, the environment's: on Debian the
// APACHE_* variables that apache2ctl sources from SERVER_ROOT/envvars
// (read here from its `export NAME=value` lines, with Debian's $SUFFIX of a
// /etc/apache2-NAME root).
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client/install/apache_config.h"
#include "core/error.h"

namespace acmekit::client::install {

// A section or directive of the configuration, wherever its file lies.
struct ApacheRef {
  const ApacheFile* file = nullptr;
  const ApacheNode* node = nullptr;
};

class ApacheConfig {
 public:
  // Reads server_root/main_file (main_file may be absolute) and the files it
  // includes, recursively. A file included twice is read once; an include
  // cycle is not followed again. `env`: the variables ${VAR} may name besides
  // Defines; by default those of server_root/envvars (none when it is
  // missing).
  static Result<ApacheConfig> load(const std::filesystem::path& server_root,
                                   const std::filesystem::path& main_file = "apache2.conf");
  static Result<ApacheConfig> load(const std::filesystem::path& server_root, const std::filesystem::path& main_file,
                                   std::map<std::string, std::string> env);

  ApacheConfig(ApacheConfig&&) = default;
  ApacheConfig& operator=(ApacheConfig&&) = default;
  ApacheConfig(const ApacheConfig&) = delete;
  ApacheConfig& operator=(const ApacheConfig&) = delete;

  const std::filesystem::path& server_root() const { return server_root_; }
  // files()[0] is the main file; the others in the order first included.
  const std::deque<ApacheFile>& files() const { return files_; }
  // The file at `path` (as resolved), or nullptr.
  const ApacheFile* file(const std::string& path) const;
  // The files an Include directive of `file` resolved to, in order.
  std::vector<const ApacheFile*> included_by(const ApacheFile& file, const ApacheNode& include) const;

  // `value` with every ${VAR} replaced (Defines first, then the
  // environment); an unknown variable stays as written, as httpd leaves it.
  std::string expand(std::string_view value) const;
  const std::map<std::string, std::string>& variables() const { return vars_; }

  // Every directive or section named `name` (caseless) in the order httpd
  // reads them, following includes into every section (IfModule, IfDefine,
  // ... are not evaluated), but not inside a <VirtualHost> (global ones);
  // "VirtualHost" gives the virtual hosts themselves.
  std::vector<ApacheRef> collect(std::string_view name) const;

 private:
  ApacheConfig() = default;
  Result<std::size_t> read(const std::string& path);
  Status resolve_includes(std::size_t file_index, const std::vector<ApacheNode>& nodes);
  void collect_in(const ApacheFile& file, const std::vector<ApacheNode>& nodes, std::string_view name,
                  std::vector<const ApacheFile*>& stack, std::vector<ApacheRef>& out) const;

  std::filesystem::path server_root_;
  std::map<std::string, std::string> vars_;  // Defines, then envvars (a Define wins)
  std::deque<ApacheFile> files_;             // a deque: pointers into it stay valid as it grows
  // (file index, include node's start) -> indexes into files_.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> includes_;
};

// The `export NAME=value` lines of Debian's envvars file (a shell script
// apache2ctl sources), $SUFFIX as Debian computes it for `server_root`.
std::map<std::string, std::string> read_envvars(const std::filesystem::path& server_root);

}  // namespace acmekit::client::install
