// Accounts on disk, certbot's layout:
//   DIR/accounts/<server>/<account-id>/private_key.pem   (0600)
//   DIR/accounts/<server>/<account-id>/regr.json         {"uri", "contact", "status"}
//   DIR/accounts/<server>/<account-id>/meta.json         {"creation_dt", "creation_host"}
// <server> is the directory URL's host[:port] and path, e.g.
// "acme-v02.api.letsencrypt.org/directory".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::client::store {

struct StoredAccount {
  std::string id;   // directory name
  std::string url;  // the account URL ("kid")
  std::vector<std::string> contact;
  crypto::PrivateKey key;
};

class AccountStore {
 public:
  explicit AccountStore(std::filesystem::path config_dir) : root_(std::move(config_dir) / "accounts") {}

  // "https://host:14000/dir" -> "host:14000/dir". Path components are
  // sanitized so the result stays inside accounts/.
  static std::string server_dir_name(std::string_view directory_url);

  // Every account saved for this server, oldest first.
  Result<std::vector<StoredAccount>> list(std::string_view directory_url) const;
  // Saves a new account atomically (key first, regr.json last).
  Result<StoredAccount> save(std::string_view directory_url, const crypto::PrivateKey& key,
                             std::string url, std::vector<std::string> contact);

 private:
  std::filesystem::path root_;
};

}  // namespace acmekit::client::store
