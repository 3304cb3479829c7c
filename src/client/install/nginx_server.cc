#include "client/install/nginx_server.h"

#include <functional>
#include <map>
#include <set>
#include <system_error>

#include "client/install/nginx_challenge.h"
#include "client/install/nginx_config.h"
#include "client/install/nginx_edit.h"
#include "client/install/nginx_includes.h"
#include "client/install/nginx_servers.h"
#include "client/install/nginx_workers.h"
#include "client/install/run_tool.h"

namespace acmekit::client::install {
namespace fs = std::filesystem;

namespace {

// What install_edits does to one server block.
struct BlockOps {
  bool certificate = false;  // set_certificate (it serves HTTPS already)
  bool twin = false;         // add_https_server (HTTP only)
  bool redirect = false;     // add_redirect
  bool hsts = false;         // add_hsts on the HTTPS block (itself or its twin)
};

// The server block starting at `start`, anywhere in the file.
const Node* block_at(const std::vector<Node>& nodes, std::size_t start) {
  for (const auto& n : nodes) {
    if (n.is_block && n.start == start && n.name() == "server") return &n;
    if (n.is_block && n.start < start && start < n.end) {
      if (const Node* found = block_at(n.children, start)) return found;
    }
  }
  return nullptr;
}

// The first server block starting at or after `pos`.
const Node* server_from(const std::vector<Node>& nodes, std::size_t pos) {
  for (const auto& n : nodes) {
    if (!n.is_block || n.end <= pos) continue;
    if (n.name() == "server" && n.start >= pos) return &n;
    if (const Node* found = server_from(n.children, pos)) return found;
  }
  return nullptr;
}

class NginxServer final : public WebServer {
 public:
  explicit NginxServer(NginxOptions options) : options_(std::move(options)) {}

  std::string_view name() const override { return "nginx"; }

  Result<FileEdits> challenge_edits(const std::vector<Http01Response>& responses,
                                    const std::vector<std::string>& names) override {
    ACMEKIT_TRY(NginxConfig config, NginxConfig::load(options_.server_root));
    ACMEKIT_TRY(std::string locations, http01_snippet(responses));
    // Included first in the block: a server-level `return 301` (--redirect)
    // runs before nginx looks for a location and would send the CA to HTTPS
    // (RFC 8555 §8.3 lets it follow, but a fresh site has no certificate
    // yet); `break` ends the server's rewrite directives for challenge URIs.
    std::string snippet = "rewrite ^/\\.well-known/acme-challenge/ $uri break;\n" + locations;
    const std::string snippet_path = nginx_challenge_snippet_path(options_).string();
    ACMEKIT_TRY(auto includes, add_challenge_includes(config, names, snippet_path));
    FileEdits edits(includes.begin(), includes.end());
    edits[snippet_path] = std::move(snippet);
    return edits;
  }

  Result<FileEdits> install_edits(const InstallRequest& request) override {
    ACMEKIT_TRY(NginxConfig config, NginxConfig::load(options_.server_root));
    const std::vector<ServerBlock> servers = describe_servers(config);
    // Per file, per block start (last first: an insertion in a later block
    // moves no earlier one), what to do.
    std::map<const ConfigFile*, std::map<std::size_t, BlockOps, std::greater<>>> targets;
    std::string unserved;
    const auto named = [](const std::vector<ServerMatch>& matches) {
      // A catch-all default_server is not the name's block: certbot adds one.
      std::vector<ServerMatch> out;
      for (const auto& m : matches) {
        if (m.kind != MatchKind::kDefaultServer) out.push_back(m);
      }
      return out;
    };
    for (const auto& host : request.names) {
      const auto https = named(best_servers(servers, host, Scheme::kHttps));
      const auto http = named(best_servers(servers, host, Scheme::kHttp));
      if (https.empty() && http.empty()) {
        unserved += (unserved.empty() ? "" : ", ") + host;
        continue;
      }
      for (const auto& m : https) {
        BlockOps& ops = targets[m.server->file][m.server->node->start];
        ops.certificate = true;
        ops.hsts = ops.hsts || request.hsts;
      }
      for (const auto& m : http) {
        BlockOps& ops = targets[m.server->file][m.server->node->start];
        if (https.empty() && !m.server->serves_https()) {
          ops.twin = true;
          ops.hsts = ops.hsts || request.hsts;
        }
        ops.redirect = ops.redirect || request.redirect;
      }
    }
    if (!unserved.empty()) {
      return make_error(ErrorKind::kNotFound, "no nginx server block has a server_name for " + unserved);
    }
    FileEdits edits;
    for (const auto& [file, blocks] : targets) {
      ConfigFile current = *file;
      for (const auto& [start, ops] : blocks) {
        const auto step = [&](auto&& edit) -> Status {
          const Node* block = block_at(current.nodes, start);
          if (block == nullptr) return make_error(ErrorKind::kInternal, "lost a server block of " + file->path);
          ACMEKIT_TRY(std::string text, edit(*block));
          ACMEKIT_TRY(current, parse_config(file->path, std::move(text)));
          return {};
        };
        if (ops.certificate) {
          ACMEKIT_CHECK(step([&](const Node& b) { return set_certificate(current, b, request.paths); }));
        }
        if (ops.twin) {
          ACMEKIT_CHECK(step([&](const Node& b) {
            return add_https_server(current, b, request.paths, request.https_port);
          }));
        }
        if (ops.redirect) {
          ACMEKIT_CHECK(step([&](const Node& b) { return add_redirect(current, b); }));
        }
        if (ops.hsts && ops.twin) {
          const Node* original = block_at(current.nodes, start);
          const Node* twin = original == nullptr ? nullptr : server_from(current.nodes, original->end);
          if (twin == nullptr) return make_error(ErrorKind::kInternal, "lost the HTTPS copy in " + file->path);
          ACMEKIT_TRY(std::string text, add_hsts(current, *twin));
          ACMEKIT_TRY(current, parse_config(file->path, std::move(text)));
        } else if (ops.hsts) {
          ACMEKIT_CHECK(step([&](const Node& b) { return add_hsts(current, b); }));
        }
      }
      if (current.text != file->text) edits[file->path] = std::move(current.text);
    }
    return edits;
  }

  Status config_test() override {
    ACMEKIT_TRY(ToolRun run, run_tool({options_.ctl, "-c", main_file(), "-t"}));
    if (run.exit_status != 0) {
      return make_error(ErrorKind::kFailedPrecondition, "nginx configuration test failed: " + error_lines(run.output));
    }
    return {};
  }

  Status reload() override {
    // The workers before the signal, to wait for their successors: the
    // reload is done when nginx answers with the new configuration.
    std::optional<pid_t> master;
    std::set<pid_t> before;
    if (auto config = NginxConfig::load(options_.server_root)) {
      master = nginx_master_pid(nginx_pid_file(*config));
      if (master) before = nginx_active_workers(*master);
    }
    ACMEKIT_TRY(ToolRun run, run_tool({options_.ctl, "-c", main_file(), "-s", "reload"}));
    if (run.exit_status != 0) {
      return make_error(ErrorKind::kUnavailable, "nginx reload failed: " + error_lines(run.output));
    }
    if (master && !before.empty()) {
      ACMEKIT_CHECK(wait_for_new_workers(*master, before, std::chrono::seconds(10)));
    }
    return {};
  }

 private:
  std::string main_file() const { return (options_.server_root / "nginx.conf").string(); }

  NginxOptions options_;
};

}  // namespace

fs::path nginx_challenge_snippet_path(const NginxOptions& options) {
  return options.server_root / "acmekit-http01.conf";
}

Result<std::unique_ptr<WebServer>> make_nginx_server(const NginxOptions& options) {
  std::error_code ec;
  const fs::path main = options.server_root / "nginx.conf";
  if (!fs::is_regular_file(main, ec)) {
    return make_error(ErrorKind::kNotFound, "no nginx configuration at " + main.string() +
                                                " (--nginx-server-root names the directory of nginx.conf)");
  }
  return std::unique_ptr<WebServer>(std::make_unique<NginxServer>(options));
}

}  // namespace acmekit::client::install
