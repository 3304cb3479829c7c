#include "client/install/apache_server.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "client/install/apache_challenge.h"
#include "client/install/child_processes.h"
#include "client/install/apache_config.h"
#include "client/install/apache_edit.h"
#include "client/install/apache_includes.h"
#include "client/install/apache_vhosts.h"

extern char** environ;

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

// The <VirtualHost> sections of a file, depth first: a vhost's ordinal
// names it across edits (no edit adds or removes one in an existing file).
void vhost_sections(const std::vector<ApacheNode>& nodes, std::vector<const ApacheNode*>& out) {
  for (const auto& n : nodes) {
    if (!n.is_section) continue;
    if (n.is("VirtualHost")) {
      out.push_back(&n);
    } else {
      vhost_sections(n.children, out);
    }
  }
}

std::size_t ordinal_of(const ApacheFile& file, const ApacheNode& vhost) {
  std::vector<const ApacheNode*> all;
  vhost_sections(file.nodes, all);
  return static_cast<std::size_t>(std::find(all.begin(), all.end(), &vhost) - all.begin());
}

std::string lowercase(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The files being edited: each the text after the edits so far, parsed.
class Workspace {
 public:
  explicit Workspace(const ApacheConfig& config) : config_(config) {}

  using Edit = std::function<Result<std::string>(const ApacheFile&, const ApacheNode&)>;

  Status edit_vhost(const std::string& path, std::size_t ordinal, const Edit& edit) {
    ACMEKIT_TRY(ApacheFile * file, get(path));
    std::vector<const ApacheNode*> all;
    vhost_sections(file->nodes, all);
    if (ordinal >= all.size()) return make_error(ErrorKind::kInternal, "lost a virtual host of " + path);
    ACMEKIT_TRY(std::string text, edit(*file, *all[ordinal]));
    return replace(path, std::move(text));
  }

  Status edit_file(const std::string& path, const std::function<Result<std::string>(const ApacheFile&)>& edit) {
    ACMEKIT_TRY(ApacheFile * file, get(path));
    ACMEKIT_TRY(std::string text, edit(*file));
    return replace(path, std::move(text));
  }

  Status create(const std::string& path, std::string text) {
    created_.insert(path);
    return replace(path, std::move(text));
  }
  bool has(const std::string& path) const { return files_.contains(path); }

  // Changed files: existing ones under their canonical path.
  FileEdits edits() const {
    FileEdits out;
    for (const auto& [path, file] : files_) {
      const ApacheFile* original = config_.file(path);
      if (original != nullptr && original->text == file.text) continue;
      std::error_code ec;
      const fs::path canonical = created_.contains(path) ? fs::path(path) : fs::weakly_canonical(path, ec);
      out[ec ? path : canonical.string()] = file.text;
    }
    return out;
  }

 private:
  Result<ApacheFile*> get(const std::string& path) {
    if (auto it = files_.find(path); it != files_.end()) return &it->second;
    const ApacheFile* original = config_.file(path);
    if (original == nullptr) return make_error(ErrorKind::kInternal, "not a file of the configuration: " + path);
    return &files_.emplace(path, *original).first->second;
  }
  Status replace(const std::string& path, std::string text) {
    ACMEKIT_TRY(ApacheFile parsed, parse_apache_config(path, std::move(text)));
    files_.insert_or_assign(path, std::move(parsed));
    return {};
  }

  const ApacheConfig& config_;
  std::map<std::string, ApacheFile> files_;
  std::set<std::string> created_;
};

// Whether a wildcard Include of the configuration reads `path`.
bool included_by_wildcard(const ApacheConfig& config, const std::string& path) {
  for (const std::string_view name : {"Include", "IncludeOptional"}) {
    for (const auto& ref : config.collect(name)) {
      if (ref.node->arg_count() != 1) continue;
      fs::path pattern = config.expand(ref.node->arg(0));
      if (pattern.is_relative()) pattern = config.server_root() / pattern;
      const std::string p = pattern.lexically_normal().string();
      if (p.find_first_of("*?[") != std::string::npos && ::fnmatch(p.c_str(), path.c_str(), FNM_PATHNAME) == 0) {
        return true;
      }
    }
  }
  return false;
}

// Runs `ctl verb` with APACHE_CONFDIR=server_root: exit status and output
// (stdout and stderr together).
struct CtlResult {
  int status = -1;
  std::string output;
};

Result<CtlResult> run_ctl(const ApacheOptions& o, const std::string& verb) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return make_error(ErrorKind::kIo, "pipe failed");
  std::vector<std::string> env_store{"APACHE_CONFDIR=" + o.server_root.string()};
  for (char** e = environ; *e != nullptr; ++e) {
    if (!std::string_view(*e).starts_with("APACHE_CONFDIR=")) env_store.emplace_back(*e);
  }
  std::vector<char*> envp;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string ctl = o.ctl, v = verb;
  char* argv[] = {ctl.data(), v.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, ctl.c_str(), &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return make_error(ErrorKind::kUnavailable, "cannot run " + o.ctl + ": " + std::strerror(rc));
  }
  CtlResult out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    out.output.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  out.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  while (!out.output.empty() && (out.output.back() == '\n' || out.output.back() == '\r')) out.output.pop_back();
  return out;
}

// The inodes of the listening TCP sockets (state 0A in /proc/net/tcp{,6}).
std::set<unsigned long> listening_inodes() {
  std::set<unsigned long> out;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string sl, local, remote, st, queues, timer, retr, uid, timeout;
      unsigned long inode = 0;
      if (f >> sl >> local >> remote >> st >> queues >> timer >> retr >> uid >> timeout >> inode && st == "0A") {
        out.insert(inode);
      }
    }
  }
  return out;
}

bool holds_listener(pid_t pid, const std::set<unsigned long>& inodes) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const std::string target = fs::read_symlink(e.path(), ec).string();
    if (ec || !target.starts_with("socket:[")) continue;
    if (inodes.contains(std::strtoul(target.c_str() + 8, nullptr, 10))) return true;
  }
  return false;
}

// `apache2ctl graceful` returns once SIGUSR1 is sent: the parent then
// re-reads the configuration and forks new children, and the old ones
// close their listening sockets and finish their requests. Until they have
// closed them an old child may accept a connection and answer with the old
// configuration (a CA asked to validate at once gets a 404). Read from
// /proc (Linux); what cannot be read (another user's fds) counts as closed.
Status wait_for_new_children(pid_t parent, const std::set<pid_t>& old_children, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto now = children_of(parent);
    const auto listeners = listening_inodes();
    bool fresh = false, old_listening = false;
    for (const pid_t p : now) {
      if (!old_children.contains(p)) {
        fresh = true;
      } else if (holds_listener(p, listeners)) {
        old_listening = true;
      }
    }
    if (fresh && !old_listening) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      return make_error(ErrorKind::kUnavailable,
                        "Apache (pid " + std::to_string(parent) + ") did not start children with the new "
                        "configuration within " + std::to_string(timeout.count() / 1000) + " s; its error log says why");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

class ApacheServer final : public WebServer {
 public:
  explicit ApacheServer(ApacheOptions o) : o_(std::move(o)) {}

  std::string_view name() const override { return "apache"; }

  Result<FileEdits> challenge_edits(const std::vector<Http01Response>& responses,
                                    const std::vector<std::string>& names) override {
    ACMEKIT_TRY(ApacheConfig config, ApacheConfig::load(o_.server_root));
    const fs::path tokens = o_.challenge_dir / "tokens";
    const std::string snippet_path = (o_.challenge_dir / "acmekit-http01.conf").string();
    ACMEKIT_TRY(FileEdits out, apache_http01_token_files(tokens, responses));
    ACMEKIT_TRY(out[snippet_path], apache_http01_snippet(tokens));
    ACMEKIT_TRY(FileEdits includes, add_challenge_includes(config, names, snippet_path));
    for (auto& [path, text] : includes) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(path, ec);
      out[ec ? path : canonical.string()] = std::move(text);
    }
    return out;
  }

  Result<FileEdits> install_edits(const InstallRequest& request) override {
    ACMEKIT_TRY(ApacheConfig config, ApacheConfig::load(o_.server_root));
    const std::vector<VirtualHost> vhosts = describe_vhosts(config);
    Workspace work(config);
    // The vhosts to change, by (path, ordinal), with the names each serves.
    std::map<std::pair<std::string, std::size_t>, std::vector<std::string>> https_targets, http_targets;
    std::string unserved;
    for (const auto& name : request.names) {
      const std::string host = lowercase(name);
      bool https = false;
      for (const auto& p : pick_vhosts(vhosts, host, /*ssl=*/true)) {
        if (p.match == VhostMatch::kDefault) continue;
        https_targets[{p.vhost->file->path, ordinal_of(*p.vhost->file, *p.vhost->node)}].push_back(name);
        https = true;
      }
      bool http = false;
      for (const auto& p : pick_vhosts(vhosts, host, /*ssl=*/false)) {
        if (p.match == VhostMatch::kDefault) continue;
        http_targets[{p.vhost->file->path, ordinal_of(*p.vhost->file, *p.vhost->node)}].push_back(name);
        http = true;
      }
      if (!https && !http) unserved += (unserved.empty() ? "" : ", ") + name;
    }
    if (!unserved.empty()) {
      return make_error(ErrorKind::kNotFound, "no Apache virtual host serves " + unserved);
    }
    // The HTTPS vhosts that exist: the certificate.
    for (const auto& [key, names] : https_targets) {
      ACMEKIT_CHECK(work.edit_vhost(key.first, key.second, [&](const ApacheFile& f, const ApacheNode& v) {
        return set_certificate(f, v, request.paths);
      }));
    }
    // The HTTP vhosts whose names no HTTPS vhost serves: a twin each.
    std::vector<std::pair<std::string, std::size_t>> twins;  // (twin file, ordinal)
    std::vector<std::string> listens;
    const auto served_over_https = [&](const std::string& name) {
      return std::any_of(https_targets.begin(), https_targets.end(), [&](const auto& t) {
        return std::find(t.second.begin(), t.second.end(), name) != t.second.end();
      });
    };
    for (const auto& [key, names] : http_targets) {
      if (std::all_of(names.begin(), names.end(), served_over_https)) continue;
      const ApacheFile* file = config.file(key.first);
      std::vector<const ApacheNode*> all;
      vhost_sections(file->nodes, all);
      const ApacheNode& vhost = *all[key.second];
      ACMEKIT_TRY(std::string twin, https_vhost_text(*file, vhost, request.paths, request.https_port));
      const std::string twin_path = ssl_vhost_path(file->path);
      std::size_t ordinal = 0;
      if (work.has(twin_path)) {
        ACMEKIT_CHECK(work.edit_file(twin_path, [&](const ApacheFile& f) -> Result<std::string> {
          std::vector<const ApacheNode*> in_twin;
          vhost_sections(f.nodes, in_twin);
          ordinal = in_twin.size();
          return f.text + "\n" + twin;
        }));
      } else {
        if (fs::exists(twin_path)) {
          return make_error(ErrorKind::kAlreadyExists, twin_path + " exists but holds no HTTPS virtual host for " +
                                                           names.front());
        }
        ACMEKIT_CHECK(work.create(twin_path, twin));
      }
      twins.emplace_back(twin_path, ordinal);
      for (auto& l : missing_listens(config, vhost, request.https_port)) {
        if (std::find(listens.begin(), listens.end(), l) == listens.end()) listens.push_back(std::move(l));
      }
    }
    if (!listens.empty()) {
      const auto all_listens = config.collect("Listen");
      const std::string where = all_listens.empty() ? config.files()[0].path : all_listens.back().file->path;
      ACMEKIT_CHECK(work.edit_file(where, [&](const ApacheFile& f) { return add_listens(f, listens); }));
    }
    std::vector<std::string> includes;
    for (const auto& [path, ordinal] : twins) {
      if (!included_by_wildcard(config, path) &&
          std::find(includes.begin(), includes.end(), "Include " + path) == includes.end()) {
        ACMEKIT_TRY(std::string word, apache_word(path));
        includes.push_back("Include " + word);
      }
    }
    if (!includes.empty()) {
      ACMEKIT_CHECK(work.edit_file(config.files()[0].path, [&](const ApacheFile& f) -> Result<std::string> {
        return append_top_level(f, includes);
      }));
    }
    if (request.redirect) {
      for (const auto& [key, names] : http_targets) {
        ACMEKIT_CHECK(work.edit_vhost(key.first, key.second, [&](const ApacheFile& f, const ApacheNode& v) {
          return add_redirect(f, v, names, request.https_port);
        }));
      }
    }
    if (request.hsts) {
      for (const auto& [key, names] : https_targets) {
        ACMEKIT_CHECK(work.edit_vhost(key.first, key.second, [](const ApacheFile& f, const ApacheNode& v) {
          return add_hsts(f, v);
        }));
      }
      for (const auto& [path, ordinal] : twins) {
        ACMEKIT_CHECK(work.edit_vhost(path, ordinal, [](const ApacheFile& f, const ApacheNode& v) {
          return add_hsts(f, v);
        }));
      }
    }
    FileEdits out = work.edits();
    std::vector<std::string> modules{"ssl"};
    if (request.redirect) modules.push_back("rewrite");
    if (request.hsts) modules.push_back("headers");
    if (!out.empty()) {
      ACMEKIT_TRY(FileEdits enable, enable_modules(config, modules));
      out.merge(enable);
    }
    return out;
  }

  Status config_test() override {
    ACMEKIT_TRY(CtlResult r, run_ctl(o_, "configtest"));
    if (r.status != 0) {
      return make_error(ErrorKind::kFailedPrecondition, o_.ctl + " configtest failed: " + apache_error_line(r.output));
    }
    return {};
  }

  Status reload() override {
    // `apache2ctl graceful` starts a server that is not running: look at
    // the PidFile first.
    ACMEKIT_TRY(ApacheConfig config, ApacheConfig::load(o_.server_root));
    const auto pid_files = config.collect("PidFile");
    fs::path pid_file = pid_files.empty() || pid_files.back().node->arg_count() == 0
                            ? fs::path("logs/httpd.pid")  // httpd's DEFAULT_PIDLOG
                            : fs::path(config.expand(pid_files.back().node->arg(0)));
    if (pid_file.is_relative()) pid_file = o_.server_root / pid_file;
    std::ifstream in(pid_file);
    long pid = 0;
    if (!(in >> pid) || pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) != 0) {
      return make_error(ErrorKind::kUnavailable, "Apache is not running (no live process in " + pid_file.string() + ")");
    }
    const std::set<pid_t> before = children_of(static_cast<pid_t>(pid));
    ACMEKIT_TRY(CtlResult r, run_ctl(o_, "graceful"));
    if (r.status != 0) {
      return make_error(ErrorKind::kFailedPrecondition, o_.ctl + " graceful failed: " + apache_error_line(r.output));
    }
    return wait_for_new_children(static_cast<pid_t>(pid), before, std::chrono::seconds(10));
  }

 private:
  ApacheOptions o_;
};

}  // namespace

std::string apache_error_line(std::string_view output) {
  std::string joined, last;
  std::size_t start = 0;
  while (start <= output.size()) {
    std::size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    std::string_view line = output.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
    if (line.empty()) continue;
    last = std::string(line);
    if ((line.starts_with("Action '") && line.ends_with("' failed.")) ||
        line.starts_with("The Apache error log may have more information") || line.starts_with("AH00558:") ||
        line == "Syntax OK") {
      continue;
    }
    if (!joined.empty()) joined += joined.back() == ':' ? " " : "; ";
    joined += line;
  }
  return joined.empty() ? last : joined;
}

Result<std::unique_ptr<WebServer>> make_apache_server(const ApacheOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(options.server_root / "apache2.conf", ec)) {
    return make_error(ErrorKind::kInvalidArgument,
                      "no apache2.conf in the Apache server root " + options.server_root.string());
  }
  return std::unique_ptr<WebServer>(std::make_unique<ApacheServer>(options));
}

}  // namespace acmekit::client::install
