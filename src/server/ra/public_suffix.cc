#include "server/ra/public_suffix.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

namespace acmekit::server::ra {
namespace {

std::string_view drop_wildcard(std::string_view name) {
  if (name.starts_with("*.")) name.remove_prefix(2);
  return name;
}

// Offsets at which each suffix of `name` starts, longest first:
// "a.b.c" -> 0 ("a.b.c"), 2 ("b.c"), 4 ("c").
std::vector<std::size_t> suffix_starts(std::string_view name) {
  std::vector<std::size_t> starts{0};
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (name[i] == '.') starts.push_back(i + 1);
  }
  return starts;
}

}  // namespace

PublicSuffixList PublicSuffixList::parse(std::string_view text) {
  PublicSuffixList list;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    // A rule is the line's first whitespace-delimited word; "//" starts a comment.
    std::size_t begin = line.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos || line.substr(begin).starts_with("//")) continue;
    line.remove_prefix(begin);
    line = line.substr(0, line.find_first_of(" \t\r"));
    std::string rule(line);
    std::ranges::transform(rule, rule.begin(), [](unsigned char c) { return std::tolower(c); });
    if (rule.starts_with("!")) {
      list.exceptions_.insert(rule.substr(1));
    } else if (rule.starts_with("*.")) {
      list.wildcards_.insert(rule.substr(2));
    } else {
      list.rules_.insert(std::move(rule));
    }
  }
  return list;
}

Result<PublicSuffixList> PublicSuffixList::load(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::kIo, "cannot read the public suffix list " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::kIo, "cannot read the public suffix list " + path.string());
  return parse(text.str());
}

std::string PublicSuffixList::registered_domain(std::string_view full) const {
  const std::string_view name = drop_wildcard(full);
  const auto starts = suffix_starts(name);
  const std::size_t labels = starts.size();
  std::size_t suffix_labels = 1;  // the default rule "*"
  bool exception = false;
  for (std::size_t i = 0; i < labels && !exception; ++i) {
    const std::string suffix(name.substr(starts[i]));
    const std::size_t n = labels - i;
    if (exceptions_.contains(suffix)) {
      // An exception rule prevails; its public suffix lacks its first label.
      suffix_labels = n - 1;
      exception = true;
    } else if (rules_.contains(suffix) || (i + 1 < labels && wildcards_.contains(std::string(name.substr(starts[i + 1]))))) {
      suffix_labels = std::max(suffix_labels, n);
    }
  }
  if (suffix_labels >= labels) return std::string(name);  // the name is a public suffix
  return std::string(name.substr(starts[labels - suffix_labels - 1]));
}

std::string last_two_labels(std::string_view full) {
  const std::string_view name = drop_wildcard(full);
  const auto starts = suffix_starts(name);
  if (starts.size() <= 2) return std::string(name);
  return std::string(name.substr(starts[starts.size() - 2]));
}

}  // namespace acmekit::server::ra
