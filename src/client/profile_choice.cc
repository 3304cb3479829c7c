#include "client/profile_choice.h"

#include <spdlog/spdlog.h>

namespace acmekit::client {

std::string offered_profiles_text(const wire::DirectoryMeta& meta) {
  if (meta.profiles.empty()) return "no profiles";
  std::string out;
  for (const auto& p : meta.profiles) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

Result<std::string> choose_profile(const wire::DirectoryMeta& meta, std::string_view server,
                                   std::string_view preferred, std::string_view required) {
  // draft-ietf-acme-profiles §3: meta.profiles lists what the CA offers.
  if (!required.empty()) {
    if (meta.find_profile(required)) return std::string(required);
    return make_error(ErrorKind::kFailedPrecondition,
                      "--required-profile " + std::string(required) + ": the CA at " + std::string(server) +
                          " does not offer it (it offers " + offered_profiles_text(meta) + "); nothing was ordered");
  }
  if (preferred.empty()) return std::string();
  if (meta.find_profile(preferred)) return std::string(preferred);
  // §4: a client SHOULD NOT request a profile the directory does not list.
  spdlog::warn("--preferred-profile {}: the CA at {} does not offer it (it offers {}); ordering with the CA's default",
               preferred, server, offered_profiles_text(meta));
  return std::string();
}

}  // namespace acmekit::client
