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
#include <utility>
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
  // crash in between leaves both keys on disk (client/key_rollover.h finds
  // out which one the CA knows). stage_key() refuses to overwrite a staged
  // key: it may be the only copy of the key the CA knows.
  Status stage_key(std::string_view directory_url, const StoredAccount& account, const crypto::PrivateKey& key);
  Status commit_key(std::string_view directory_url, const StoredAccount& account);
  // The account's current key, read again (another process or thread may
  // have committed a staged key since list()).
  Result<crypto::PrivateKey> current_key(std::string_view directory_url, const StoredAccount& account) const;
  // The staged key an interrupted rollover left (nullopt when there is none),
  // and removing it once the CA showed it never saw it.
  bool has_staged_key(std::string_view directory_url, const StoredAccount& account) const;
  Result<std::optional<crypto::PrivateKey>> staged_key(std::string_view directory_url,
                                                       const StoredAccount& account) const;
  Status discard_staged_key(std::string_view directory_url, const StoredAccount& account);

  // flock(LOCK_EX) on the account's directory, held from staging a key to
  // committing or discarding it, so that one process does not resolve the
  // staged key of a rollover another one is in the middle of. The kernel
  // drops it when the holder dies (kill -9 included).
  class KeyLock {
   public:
    explicit KeyLock(int fd) : fd_(fd) {}
    KeyLock(KeyLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    KeyLock& operator=(KeyLock&& other) noexcept;
    ~KeyLock();

   private:
    int fd_;
  };
  // The lock, or nullopt when another process holds it (never blocks).
  Result<std::optional<KeyLock>> try_lock_key(std::string_view directory_url, const StoredAccount& account);
  // Removes the account's directory (after deactivation).
  Status remove(std::string_view directory_url, const StoredAccount& account);

 private:
  std::filesystem::path root_;
};

}  // namespace acmekit::client::store
