#include "client/install/nginx_challenge.h"

#include <algorithm>
#include <functional>
#include <set>

#include "client/install/nginx_config.h"
#include "client/install/nginx_edit.h"
#include "client/install/nginx_servers.h"

namespace acmekit::client::install {
namespace {

// The block of `file` that starts at `start`.
const Node* block_at(const std::vector<Node>& nodes, std::size_t start) {
  for (const auto& n : nodes) {
    if (n.start == start) return &n;
    if (n.is_block && n.start < start && start < n.end) return block_at(n.children, start);
  }
  return nullptr;
}

}  // namespace

Result<std::string> http01_snippet(const std::vector<Http01Response>& responses) {
  std::string out;
  for (const auto& r : responses) {
    ACMEKIT_CHECK(check_http01_response(r));
    out += "location = /.well-known/acme-challenge/" + r.token + " {\n";
    out += "    default_type text/plain;\n";
    out += "    return 200 \"" + r.key_authorization + "\";\n";
    out += "}\n";
  }
  return out;
}

Result<std::string> http01_webroot_snippet(const std::string& webroot) {
  ACMEKIT_TRY(std::string root, nginx_word(webroot));
  return "location ^~ /.well-known/acme-challenge/ {\n    default_type text/plain;\n    root " + root + ";\n}\n";
}

Result<std::map<std::string, std::string>> add_challenge_includes(const NginxConfig& config,
                                                                 const std::vector<std::string>& names,
                                                                 std::string_view snippet) {
  const std::vector<ServerBlock> servers = describe_servers(config);
  // Per file, the starts of its blocks to change, last first: an insertion
  // in a later block moves no earlier one.
  std::map<const ConfigFile*, std::set<std::size_t, std::greater<>>> targets;
  std::string unserved;
  for (const auto& name : names) {
    const auto best = best_servers(servers, name, Scheme::kHttp);
    if (best.empty()) unserved += (unserved.empty() ? "" : ", ") + name;
    for (const auto& m : best) targets[m.server->file].insert(m.server->node->start);
  }
  if (!unserved.empty()) {
    return make_error(ErrorKind::kNotFound, "no nginx server block serves " + unserved + " over HTTP");
  }
  std::map<std::string, std::string> out;
  for (const auto& [file, starts] : targets) {
    ConfigFile current = *file;
    for (const std::size_t start : starts) {
      const Node* block = block_at(current.nodes, start);
      if (block == nullptr) return make_error(ErrorKind::kInternal, "lost a server block of " + file->path);
      ACMEKIT_TRY(std::string text, add_include_first(current, *block, snippet));
      ACMEKIT_TRY(current, parse_config(file->path, std::move(text)));
    }
    if (current.text != file->text) out[file->path] = std::move(current.text);
  }
  return out;
}

Result<std::map<std::string, std::string>> remove_challenge_includes(const NginxConfig& config,
                                                                    std::string_view snippet) {
  std::map<std::string, std::string> out;
  for (const auto& file : config.files()) {
    ACMEKIT_TRY(std::string text, remove_include(file, snippet));
    if (text != file.text) out[file.path] = std::move(text);
  }
  return out;
}

}  // namespace acmekit::client::install
