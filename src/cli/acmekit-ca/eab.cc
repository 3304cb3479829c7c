// `acmekit-ca eab add`: external account keys (RFC 8555 §7.3.4) for a CA
// run with external_account_required.
#include <iostream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/acmekit-ca/commands.h"
#include "core/base64url.h"
#include "core/crypto/digest.h"
#include "server/sa/storage.h"

namespace acmekit::ca_cli {

int run_eab_add(const EabAddOptions& o) {
  auto storage = server::sa::open_database(o.database, o.data_dir, {}, 1);
  if (!storage) {
    std::cerr << "acmekit-ca: error: " << storage.error().message() << "\n";
    return kExitFailure;
  }
  server::EabKeyRecord key{.kid = o.kid.empty() ? "kid-" + base64url_encode(crypto::random_bytes(9)) : o.kid,
                           .hmac_key = crypto::random_bytes(32),
                           .created = std::chrono::system_clock::now()};
  if (auto added = (*storage)->add_eab_key(key); !added) {
    std::cerr << "acmekit-ca: error: " << added.error().message() << "\n";
    return kExitFailure;
  }
  const std::string mac = base64url_encode(key.hmac_key);
  if (o.json) {
    std::cout << nlohmann::json{{"kid", key.kid}, {"hmac_key", mac}}.dump(2) << "\n";
  } else {
    // The key is shown once, here, for the account holder; it is never logged.
    std::cout << fmt::format("kid: {}\nhmac_key: {}\n", key.kid, mac);
  }
  return kExitOk;
}

}  // namespace acmekit::ca_cli
