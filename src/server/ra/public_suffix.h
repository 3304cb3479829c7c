// Registered domains for the certificates-per-domain rate limit: the Public
// Suffix List (https://publicsuffix.org/list/, Debian's `publicsuffix`
// package installs it as /usr/share/publicsuffix/public_suffix_list.dat), as
// Let's Encrypt counts them: www.example.co.uk -> example.co.uk. Without a
// list (none installed, or turned off) the last two labels are the
// registered domain, which is the same for the one-label TLDs an internal
// network uses (.internal, .test, .corp) but lumps all of co.uk together.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_set>

#include "core/error.h"

namespace acmekit::server::ra {

inline constexpr std::string_view kDefaultPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // The list's text: one rule per line ("com", "*.ck", "!www.ck"), "//"
  // comments, blank lines; rules are lower-cased. Rules in Unicode (IDN)
  // stay as they are, so A-label names under them fall to the default rule.
  static PublicSuffixList parse(std::string_view text);
  // kIo naming the file when it cannot be read.
  static Result<PublicSuffixList> load(const std::filesystem::path& path);

  std::size_t size() const { return rules_.size() + wildcards_.size() + exceptions_.size(); }

  // The publicsuffix.org algorithm: the matching exception rule wins, else
  // the matching rule with the most labels, else "*"; the public suffix is
  // what it matches (an exception rule minus its first label) and the
  // registered domain is one label more. A name (lower case, no trailing
  // dot; a leading "*." is dropped) that is itself a public suffix is its
  // own registered domain here, so it still gets a rate-limit key.
  std::string registered_domain(std::string_view name) const;

 private:
  std::unordered_set<std::string> rules_;       // "co.uk"
  std::unordered_set<std::string> wildcards_;   // "ck" for "*.ck"
  std::unordered_set<std::string> exceptions_;  // "www.ck" for "!www.ck"
};

// The last two labels of a name (a leading "*." dropped): the registered
// domain when no public suffix list is used.
std::string last_two_labels(std::string_view name);

}  // namespace acmekit::server::ra
