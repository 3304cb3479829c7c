// The Public Suffix List (https://publicsuffix.org/list/), through Debian's
// libpsl (which also knows IDN rules in their A-label form): registered
// domains for the certificates-per-domain rate limit, as Let's Encrypt
// counts them (www.example.co.uk -> example.co.uk), and public suffixes a
// wildcard must not sit on (*.co.uk). The file is Debian's `publicsuffix`
// package, /usr/share/publicsuffix/public_suffix_list.dat. Without a list
// (none installed, or turned off) the last two labels are the registered
// domain, which is the same for the one-label TLDs an internal network uses
// (.internal, .test, .corp) but lumps all of co.uk together.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

struct psl_ctx_st;

namespace acmekit::server::ra {

inline constexpr std::string_view kDefaultPublicSuffixList = "/usr/share/publicsuffix/public_suffix_list.dat";

class PublicSuffixList {
 public:
  // The list's text, in publicsuffix.org's format ("com", "*.ck", "!www.ck",
  // "//" comments); kInvalidArgument when it has no rule.
  static Result<PublicSuffixList> parse(std::string_view text);
  // kIo naming the file when it cannot be read.
  static Result<PublicSuffixList> load(const std::filesystem::path& path);

  // The publicsuffix.org algorithm (exception rules win, then the longest
  // match, then "*"); the registered domain is one label more than the
  // public suffix. A name (lower case, no trailing dot; a leading "*." is
  // dropped) that is itself a public suffix is its own registered domain
  // here, so it still gets a rate-limit key.
  std::string registered_domain(std::string_view name) const;

  // Whether the name is a public suffix by a rule of the list (the implicit
  // "*" rule for unlisted TLDs does not count): co.uk, com, but not
  // example.com or internal.
  bool is_public_suffix(std::string_view name) const;

 private:
  explicit PublicSuffixList(std::shared_ptr<psl_ctx_st> ctx) : ctx_(std::move(ctx)) {}
  std::shared_ptr<psl_ctx_st> ctx_;
};

// The last two labels of a name (a leading "*." dropped): the registered
// domain when no public suffix list is used.
std::string last_two_labels(std::string_view name);

}  // namespace acmekit::server::ra
