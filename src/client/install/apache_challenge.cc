#include "client/install/apache_challenge.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "client/install/apache_config.h"
#include "client/install/apache_edit.h"
#include "client/install/apache_vhosts.h"

namespace acmekit::client::install {
namespace {

// The section of `nodes` that starts at `start`.
const ApacheNode* section_at(const std::vector<ApacheNode>& nodes, std::size_t start) {
  for (const auto& n : nodes) {
    if (n.start == start) return &n;
    if (n.is_section && n.start < start && start < n.end) return section_at(n.children, start);
  }
  return nullptr;
}

}  // namespace

Result<std::string> apache_http01_snippet(const std::filesystem::path& tokens_dir) {
  if (!tokens_dir.is_absolute()) {
    return make_error(ErrorKind::kInvalidArgument, "the http-01 token directory must be absolute: " + tokens_dir.string());
  }
  // A directory path with a `$` would be read by mod_rewrite as a
  // back-reference; apache_word refuses "${".
  const std::string dir = tokens_dir.lexically_normal().string();
  if (dir.find('$') != std::string::npos || dir.find('%') != std::string::npos) {
    return make_error(ErrorKind::kInvalidArgument, "the http-01 token directory holds '$' or '%': " + dir);
  }
  ACMEKIT_TRY(std::string word, apache_word(dir));
  ACMEKIT_TRY(std::string target, apache_word(dir + (dir.ends_with('/') ? "" : "/") + "$1"));
  return "# acmekit's http-01 answers: included while a challenge is pending, removed after it.\n"
         "<IfModule mod_rewrite.c>\n"
         "\tRewriteEngine on\n"
         "\tRewriteRule ^/\\.well-known/acme-challenge/([A-Za-z0-9_-]+)$ " + target + " [END]\n"
         "</IfModule>\n"
         "<IfModule mod_alias.c>\n"
         "\tAlias /.well-known/acme-challenge " + word + "\n"
         "</IfModule>\n"
         "<Directory " + word + ">\n"
         "\tRequire all granted\n"
         "\tForceType text/plain\n"
         "</Directory>\n";
}

Result<FileEdits> apache_http01_token_files(const std::filesystem::path& tokens_dir,
                                            const std::vector<Http01Response>& responses) {
  FileEdits out;
  for (const auto& r : responses) {
    ACMEKIT_CHECK(check_http01_response(r));
    out[(tokens_dir / r.token).string()] = r.key_authorization;
  }
  return out;
}

Result<FileEdits> add_challenge_includes(const ApacheConfig& config, const std::vector<std::string>& names,
                                         std::string_view snippet) {
  const std::vector<VirtualHost> vhosts = describe_vhosts(config);
  // Per file, the starts of its vhosts to change, last first: an insertion
  // in a later vhost moves no earlier one.
  std::map<const ApacheFile*, std::set<std::size_t, std::greater<>>> targets;
  std::string unserved;
  for (const auto& name : names) {
    std::string host = name;
    std::transform(host.begin(), host.end(), host.begin(), [](unsigned char c) { return std::tolower(c); });
    const auto picks = pick_vhosts(vhosts, host, /*ssl=*/false);
    if (picks.empty()) unserved += (unserved.empty() ? "" : ", ") + name;
    for (const auto& p : picks) targets[p.vhost->file].insert(p.vhost->node->start);
  }
  if (!unserved.empty()) {
    return make_error(ErrorKind::kNotFound, "no Apache virtual host serves " + unserved + " over HTTP");
  }
  FileEdits out;
  for (const auto& [file, starts] : targets) {
    ApacheFile current = *file;
    for (const std::size_t start : starts) {
      const ApacheNode* vhost = section_at(current.nodes, start);
      if (vhost == nullptr) return make_error(ErrorKind::kInternal, "lost a virtual host of " + file->path);
      ACMEKIT_TRY(std::string text, add_include_first(current, *vhost, snippet));
      ACMEKIT_TRY(current, parse_apache_config(file->path, std::move(text)));
    }
    if (current.text != file->text) out[file->path] = std::move(current.text);
  }
  return out;
}

Result<FileEdits> remove_challenge_includes(const ApacheConfig& config, std::string_view snippet) {
  FileEdits out;
  for (const auto& file : config.files()) {
    ACMEKIT_TRY(std::string text, remove_include(file, snippet));
    if (text != file.text) out[file.path] = std::move(text);
  }
  return out;
}

}  // namespace acmekit::client::install
