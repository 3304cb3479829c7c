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
  // Rewrites regr.json with a new contact list.
  Status save_contact(std::string_view directory_url, const StoredAccount& account);
  // Key rollover in two steps around the CA call (RFC 8555 §7.3.5):
  // stage_key() writes private_key.next.pem (0600) before asking the CA,
  // commit_key() renames it over private_key.pem once the CA agreed, so a
  // crash in between leaves both keys on disk.
  Status stage_key(std::string_view directory_url, const StoredAccount& account, const crypto::PrivateKey& key);
  Status commit_key(std::string_view directory_url, const StoredAccount& account);
  // Removes the account's directory (after deactivation).
  Status remove(std::string_view directory_url, const StoredAccount& account);

 private:
  std::filesystem::path root_;
};

}  // namespace acmekit::client::store
