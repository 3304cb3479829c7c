#include "server/ra/public_suffix.h"

#include <cstdio>

#include <libpsl.h>

namespace acmekit::server::ra {
namespace {

std::string_view drop_wildcard(std::string_view name) { return name.starts_with("*.") ? name.substr(2) : name; }

std::shared_ptr<psl_ctx_st> own(psl_ctx_t* ctx) { return std::shared_ptr<psl_ctx_st>(ctx, psl_free); }

}  // namespace

Result<PublicSuffixList> PublicSuffixList::parse(std::string_view text) {
  // libpsl reads a FILE*; the text is read from memory.
  std::string copy(text);
  FILE* fp = fmemopen(copy.data(), copy.size(), "r");
  if (fp == nullptr) return make_error(ErrorKind::kIo, "public suffix list: cannot read it from memory");
  psl_ctx_t* ctx = psl_load_fp(fp);
  std::fclose(fp);
  if (ctx == nullptr || psl_suffix_count(ctx) <= 0) {
    if (ctx) psl_free(ctx);
    return make_error(ErrorKind::kInvalidArgument, "public suffix list: no rules");
  }
  return PublicSuffixList(own(ctx));
}

Result<PublicSuffixList> PublicSuffixList::load(const std::filesystem::path& path) {
  psl_ctx_t* ctx = psl_load_file(path.c_str());
  if (ctx == nullptr) return make_error(ErrorKind::kIo, "cannot read the public suffix list " + path.string());
  if (psl_suffix_count(ctx) <= 0) {
    psl_free(ctx);
    return make_error(ErrorKind::kIo, "the public suffix list " + path.string() + " has no rules");
  }
  return PublicSuffixList(own(ctx));
}

std::string PublicSuffixList::registered_domain(std::string_view full) const {
  const std::string name(drop_wildcard(full));
  const char* registrable = psl_registrable_domain(ctx_.get(), name.c_str());
  return registrable ? std::string(registrable) : name;
}

bool PublicSuffixList::is_public_suffix(std::string_view name) const {
  const std::string n(name);
  return psl_is_public_suffix2(ctx_.get(), n.c_str(), PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE) != 0;
}

std::string last_two_labels(std::string_view full) {
  const std::string_view name = drop_wildcard(full);
  const auto last = name.rfind('.');
  if (last == std::string_view::npos || last == 0) return std::string(name);
  const auto second = name.rfind('.', last - 1);
  return std::string(second == std::string_view::npos ? name : name.substr(second + 1));
}

}  // namespace acmekit::server::ra
