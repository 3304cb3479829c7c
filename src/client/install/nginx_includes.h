// All the files of one nginx configuration: the main file and every file
// its `include` directives name, each parsed (nginx_config.h).
//
// As nginx resolves them (ngx_conf_include): a relative include path is
// relative to the configuration prefix, the directory of nginx.conf (the
// server root, /etc/nginx on Debian; certbot's --nginx-server-root); a path
// with a glob character (* ? [) is expanded with glob(3), sorted, and may
// match nothing; a path without one must exist.
#pragma once

#include <cstddef>
#include <deque>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "client/install/nginx_config.h"
#include "core/error.h"

namespace acmekit::client::install {

// A `server { }` block of the `http` context, wherever its file lies.
struct ServerRef {
  const ConfigFile* file = nullptr;
  const Node* node = nullptr;
};

class NginxConfig {
 public:
  // Reads server_root/main_file (main_file may be absolute) and the files it
  // includes, recursively. A file included twice is read once; an include
  // cycle is not followed again.
  static Result<NginxConfig> load(const std::filesystem::path& server_root,
                                  const std::filesystem::path& main_file = "nginx.conf");

  NginxConfig(NginxConfig&&) = default;
  NginxConfig& operator=(NginxConfig&&) = default;
  NginxConfig(const NginxConfig&) = delete;
  NginxConfig& operator=(const NginxConfig&) = delete;

  const std::filesystem::path& server_root() const { return server_root_; }
  // files()[0] is the main file; the others in the order first included.
  const std::deque<ConfigFile>& files() const { return files_; }
  // The file at `path` (as resolved: server_root joined), or nullptr.
  const ConfigFile* file(const std::string& path) const;
  // The files an include directive of `file` resolved to, in order.
  std::vector<const ConfigFile*> included_by(const ConfigFile& file, const Node& include) const;

  // Every `server` block directly in `http { }` (following includes), in
  // the order nginx reads them; `server` in `stream`, `mail`, `upstream`
  // are not HTTP servers and are left out.
  std::vector<ServerRef> http_servers() const;

 private:
  NginxConfig() = default;
  Result<std::size_t> read(const std::string& path);
  Status resolve_includes(std::size_t file_index, const std::vector<Node>& nodes);
  void collect_servers(const ConfigFile& file, const std::vector<Node>& nodes, std::vector<std::string>& context,
                       std::vector<const ConfigFile*>& stack, std::vector<ServerRef>& out) const;

  std::filesystem::path server_root_;
  std::deque<ConfigFile> files_;  // a deque: ServerRef and Node pointers stay valid as it grows
  // (file index, include node's start) -> indexes into files_.
  std::map<std::pair<std::size_t, std::size_t>, std::vector<std::size_t>> includes_;
};

}  // namespace acmekit::client::install
