#include "client/install/apache_includes.h"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

bool has_glob_chars(const std::string& s) { return s.find_first_of("*?[") != std::string::npos; }

// glob(3), sorted; no match is an empty list.
Result<std::vector<std::string>> expand_glob(const std::string& pattern) {
  glob_t g{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &g);
  std::vector<std::string> out;
  if (rc == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  if (rc != 0 && rc != GLOB_NOMATCH) return make_error(ErrorKind::kIo, "cannot expand the pattern " + pattern);
  return out;
}

// A path named by Include: a file as is, a directory as every file under
// it, sorted (httpd's process_resource_config_nofnmatch), recursively.
void files_under(const fs::path& p, std::vector<std::string>& out) {
  std::error_code ec;
  if (!fs::is_directory(p, ec)) {
    out.push_back(p.lexically_normal().string());
    return;
  }
  std::vector<fs::path> entries;
  for (const auto& e : fs::directory_iterator(p, ec)) entries.push_back(e.path());
  std::sort(entries.begin(), entries.end());
  for (const auto& e : entries) files_under(e, out);
}

std::string debian_suffix(const fs::path& server_root) {
  // envvars: if [ "${APACHE_CONFDIR##/etc/apache2-}" != "${APACHE_CONFDIR}" ]; then SUFFIX="-${...}"
  const std::string root = server_root.string();
  const std::string prefix = "/etc/apache2-";
  return root.starts_with(prefix) ? "-" + root.substr(prefix.size()) : "";
}

}  // namespace

std::map<std::string, std::string> read_envvars(const fs::path& server_root) {
  std::map<std::string, std::string> out;
  std::ifstream in(server_root / "envvars");
  const std::string suffix = debian_suffix(server_root);
  std::string line;
  while (std::getline(in, line)) {
    const auto b = line.find_first_not_of(" \t");
    if (b == std::string::npos || line.compare(b, 7, "export ") != 0) continue;
    const std::string assignment = line.substr(b + 7);
    const auto eq = assignment.find('=');
    if (eq == std::string::npos) continue;
    const std::string name = assignment.substr(0, eq);
    std::string value = assignment.substr(eq + 1);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    }
    for (const std::string ref : {"${SUFFIX}", "$SUFFIX"}) {
      for (auto at = value.find(ref); at != std::string::npos; at = value.find(ref, at + suffix.size())) {
        value.replace(at, ref.size(), suffix);
      }
    }
    out[name] = value;
  }
  return out;
}

Result<ApacheConfig> ApacheConfig::load(const fs::path& server_root, const fs::path& main_file) {
  return load(server_root, main_file, read_envvars(server_root));
}

Result<ApacheConfig> ApacheConfig::load(const fs::path& server_root, const fs::path& main_file,
                                        std::map<std::string, std::string> env) {
  ApacheConfig config;
  config.server_root_ = server_root;
  config.vars_ = std::move(env);
  ACMEKIT_CHECK(config.read((server_root / main_file).lexically_normal().string()));
  return config;
}

const ApacheFile* ApacheConfig::file(const std::string& path) const {
  for (const auto& f : files_) {
    if (f.path == path) return &f;
  }
  return nullptr;
}

std::string ApacheConfig::expand(std::string_view value) const {
  // ap_resolve_env: ${NAME} -> the Define, else the environment; unknown
  // names are left in place (httpd warns).
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    const auto open = value.find("${", i);
    const auto close = open == std::string_view::npos ? open : value.find('}', open + 2);
    if (close == std::string_view::npos) break;
    out.append(value.substr(i, open - i));
    const std::string name(value.substr(open + 2, close - open - 2));
    auto it = vars_.find(name);
    out += it != vars_.end() ? it->second : std::string(value.substr(open, close + 1 - open));
    i = close + 1;
  }
  out.append(value.substr(std::min(i, value.size())));
  return out;
}

Result<std::size_t> ApacheConfig::read(const std::string& path) {
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (files_[i].path == path) return i;
  }
  ACMEKIT_TRY(ApacheFile parsed, load_apache_file(path));
  const std::size_t index = files_.size();
  files_.push_back(std::move(parsed));
  const std::vector<ApacheNode>& nodes = files_[index].nodes;
  ACMEKIT_CHECK(resolve_includes(index, nodes));
  return index;
}

Status ApacheConfig::resolve_includes(std::size_t file_index, const std::vector<ApacheNode>& nodes) {
  for (const auto& node : nodes) {
    if (node.is_section) {
      ACMEKIT_CHECK(resolve_includes(file_index, node.children));
      continue;
    }
    const std::string where = files_[file_index].path + ":" + std::to_string(node.line);
    if (node.is("Define") && node.arg_count() >= 1) {
      // Define NAME [VALUE]: a later ${NAME} reads VALUE (empty without one).
      vars_[node.arg(0)] = node.arg_count() >= 2 ? expand(node.arg(1)) : "";
      continue;
    }
    const bool optional = node.is("IncludeOptional");
    if (!optional && !node.is("Include")) continue;
    if (node.arg_count() != 1) {
      return make_error(ErrorKind::kInvalidArgument, where + ": " + node.name() + " takes one argument");
    }
    fs::path pattern = expand(node.arg(0));
    if (pattern.is_relative()) pattern = server_root_ / pattern;
    std::vector<std::string> matches;
    if (has_glob_chars(pattern.string())) {
      ACMEKIT_TRY(matches, expand_glob(pattern.string()));
      if (matches.empty() && !optional) {
        return make_error(ErrorKind::kNotFound, where + ": No matches for the wildcard in " + pattern.string());
      }
    } else {
      std::error_code ec;
      if (fs::exists(pattern, ec)) {
        matches.push_back(pattern.string());
      } else if (!optional) {
        return make_error(ErrorKind::kNotFound, where + ": Could not open configuration file " + pattern.string());
      }
    }
    std::vector<std::string> paths;
    for (const auto& m : matches) files_under(m, paths);
    std::vector<std::size_t> indexes;
    for (const auto& p : paths) {
      auto index = read(p);
      if (!index) return std::unexpected(std::move(index).error().with_context(where + ": " + node.name()));
      indexes.push_back(*index);
    }
    includes_[{file_index, node.start}] = std::move(indexes);
  }
  return {};
}

std::vector<const ApacheFile*> ApacheConfig::included_by(const ApacheFile& file, const ApacheNode& include) const {
  std::vector<const ApacheFile*> out;
  for (std::size_t i = 0; i < files_.size(); ++i) {
    if (&files_[i] != &file) continue;
    auto it = includes_.find({i, include.start});
    if (it == includes_.end()) break;
    for (const std::size_t j : it->second) out.push_back(&files_[j]);
  }
  return out;
}

std::vector<ApacheRef> ApacheConfig::collect(std::string_view name) const {
  std::vector<ApacheRef> out;
  if (files_.empty()) return out;
  std::vector<const ApacheFile*> stack{&files_[0]};
  collect_in(files_[0], files_[0].nodes, name, stack, out);
  return out;
}

void ApacheConfig::collect_in(const ApacheFile& file, const std::vector<ApacheNode>& nodes, std::string_view name,
                              std::vector<const ApacheFile*>& stack, std::vector<ApacheRef>& out) const {
  for (const auto& node : nodes) {
    if (node.is(name)) {
      const bool seen = std::any_of(out.begin(), out.end(), [&](const ApacheRef& r) { return r.node == &node; });
      if (!seen) out.push_back({&file, &node});
      continue;
    }
    if (!node.is_section && (node.is("Include") || node.is("IncludeOptional"))) {
      for (const ApacheFile* inc : included_by(file, node)) {
        if (std::find(stack.begin(), stack.end(), inc) != stack.end()) continue;  // a cycle
        stack.push_back(inc);
        collect_in(*inc, inc->nodes, name, stack, out);
        stack.pop_back();
      }
      continue;
    }
    if (node.is_section && !node.is("VirtualHost")) collect_in(file, node.children, name, stack, out);
  }
}

}  // namespace acmekit::client::install
