// Which certificate profile a newOrder asks for (draft-ietf-acme-profiles
// §3, §4), by certbot 4's rules for --preferred-profile and
// --required-profile.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "core/wire/types.h"

namespace acmekit::client {

// "classic, shortlived, tlsserver", or "no profiles" for a CA without
// meta.profiles.
std::string offered_profiles_text(const wire::DirectoryMeta& meta);

// The profile to send in newOrder ("" for none, i.e. the CA's default):
//   required  offered: it; not offered: kFailedPrecondition naming the
//             profiles the CA offers (nothing is ordered);
//   preferred offered: it; not offered: "" and a warning (§4: a client
//             SHOULD NOT request a profile the directory does not list).
// `server` is named in the error and the warning.
[[nodiscard]] Result<std::string> choose_profile(const wire::DirectoryMeta& meta, std::string_view server,
                                                 std::string_view preferred, std::string_view required);

}  // namespace acmekit::client
