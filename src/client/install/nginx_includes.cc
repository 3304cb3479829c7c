#include "client/install/nginx_includes.h"

#include <glob.h>

#include <algorithm>

namespace acmekit::client::install {
namespace {

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// glob(3), sorted (nginx's ngx_open_glob passes no GLOB_NOSORT); no match is
// an empty list, as for nginx.
Result<std::vector<std::string>> expand_glob(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) {
    return make_error(ErrorKind::kIo, "cannot expand the pattern " + pattern);
  }
  return out;
}

}  // namespace

Result<NginxConfig> NginxConfig::load(const std::filesystem::path& server_root,
                                      const std::filesystem::path& main_file) {
  NginxConfig config;
  config.server_root_ = server_root;
  ACMEKIT_CHECK(config.read((server_root / main_file).lexically_normal().string()));
  return config;
}

const ConfigFile* NginxConfig::file(const std::string& path) const {
  for (const auto& f : files_) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

Result<std::size_t> NginxConfig::read(const std::string& path) {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (files_[i].path == path) return i;
  }
  ACMEKIT_TRY(ConfigFile parsed, load_config_file(path));
  const std::size_t index = files_.size();
  files_.push_back(std::move(parsed));
  const std::vector<Node>& nodes = files_[index].nodes;
  ACMEKIT_CHECK(resolve_includes(index, nodes));
  return index;
}

Status NginxConfig::resolve_includes(std::size_t file_index, const std::vector<Node>& nodes) {
  for (const auto& node : nodes) {
    if (node.is_block) {
      ACMEKIT_CHECK(resolve_includes(file_index, node.children));
      continue;
    }
    if (node.name() != "include") continue;
    const std::string where = files_[file_index].path + ":" + std::to_string(node.line);
    if (node.arg_count() != 1) {
      return make_error(ErrorKind::kInvalidArgument, where + ": invalid number of arguments in \"include\"");
    }
    std::filesystem::path pattern = node.arg(0);
    if (pattern.is_relative()) pattern = server_root_ / pattern;
    std::vector<std::string> paths;
    if (has_glob_chars(pattern.string())) {
      ACMEKIT_TRY(paths, expand_glob(pattern.string()));
    } else {
      paths.push_back(pattern.lexically_normal().string());
    }
    std::vector<std::size_t> indexes;
    for (const auto& p : paths) {
      auto index = read(p);
      if (!index) return std::unexpected(std::move(index).error().with_context(where + ": include"));
      indexes.push_back(*index);
    }
    includes_[{file_index, node.start}] = std::move(indexes);
  }
  return {};
}

std::vector<const ConfigFile*> NginxConfig::included_by(const ConfigFile& file, const Node& include) const {
  std::vector<const ConfigFile*> out;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (&files_[i] != &file) continue;
    auto it = includes_.find({i, include.start});
    if (it == includes_.end()) break;
    for (const std::size_t j : it->second) out.push_back(&files_[j]);
  }
  return out;
}

std::vector<ServerRef> NginxConfig::http_servers() const {
  std::vector<ServerRef> out;
  if (files_.empty()) return out;
  std::vector<std::string> context;
  std::vector<const ConfigFile*> stack{&files_[0]};
  collect_servers(files_[0], files_[0].nodes, context, stack, out);
  return out;
}

void NginxConfig::collect_servers(const ConfigFile& file, const std::vector<Node>& nodes,
                                  std::vector<std::string>& context, std::vector<const ConfigFile*>& stack,
                                  std::vector<ServerRef>& out) const {
  for (const auto& node : nodes) {
    if (!node.is_block && node.name() == "include") {
      for (const ConfigFile* inc : included_by(file, node)) {
        if (std::find(stack.begin(), stack.end(), inc) != stack.end()) continue;  // a cycle
        stack.push_back(inc);
        collect_servers(*inc, inc->nodes, context, stack, out);
        stack.pop_back();
      }
      continue;
    }
    if (!node.is_block) continue;
    const bool in_http = !context.empty() && context.back() == "http";
    if (node.name() == "server" && in_http) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const ServerRef& r) { return r.node == &node; });
      if (!seen) out.push_back({&file, &node});
      continue;
    }
    // Servers live in http { } only; nothing deeper holds one.
    if (context.empty() && node.name() == "http") {
      context.push_back(node.name());
      collect_servers(file, node.children, context, stack, out);
      context.pop_back();
    }
  }
}

}  // namespace acmekit::client::install
