#include "client/store/accounts.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <algorithm>
#include <chrono>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "client/store/atomic_file.h"
#include "core/crypto/digest.h"
#include "core/jose/jwk.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The account key in DIR: ours (private_key.pem), else certbot's (a private
// JWK in private_key.json), used as it is.
Result<crypto::PrivateKey> read_account_key(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "private_key.pem", ec) || !fs::exists(dir / "private_key.json", ec)) {
    ACMEKIT_TRY(auto pem, read_file(dir / "private_key.pem"));
    auto key = crypto::PrivateKey::from_pem(pem);
    if (!key) return std::unexpected(std::move(key).error().with_context((dir / "private_key.pem").string()));
    return std::move(*key);
  }
  ACMEKIT_TRY(auto text, read_file(dir / "private_key.json"));
  auto key = crypto::PrivateKey::from_jwk(json::parse(text, nullptr, false));
  if (!key) return std::unexpected(std::move(key).error().with_context((dir / "private_key.json").string()));
  return std::move(*key);
}

}  // namespace

std::string AccountStore::server_dir_name(std::string_view url) {
  std::string_view rest = url;
  if (auto p = rest.find("://"); p != std::string_view::npos) rest.remove_prefix(p + 3);
  std::string out;
  for (char c : rest) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
              c == ':' || c == '/';
    out += ok ? c : '_';
  }
  // No empty, "." or ".." components: the result must stay under accounts/.
  std::string clean;
  size_t start = 0;
  while (start <= out.size()) {
    size_t end = out.find('/', start);
    if (end == std::string::npos) end = out.size();
    std::string part = out.substr(start, end - start);
    if (!part.empty() && part != "." && part != "..") {
      if (!clean.empty()) clean += '/';
      clean += part;
    }
    start = end + 1;
  }
  return clean.empty() ? "default" : clean;
}

Result<std::vector<StoredAccount>> AccountStore::list(std::string_view directory_url) const {
  std::vector<StoredAccount> out;
  const fs::path dir = root_ / server_dir_name(directory_url);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<std::pair<fs::file_time_type, fs::path>> entries;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "regr.json")) {
      entries.emplace_back(fs::last_write_time(e.path() / "regr.json", ec), e.path());
    }
  }
  std::sort(entries.begin(), entries.end());
  for (const auto& [_, path] : entries) {
    ACMEKIT_TRY(auto key, read_account_key(path));
    ACMEKIT_TRY(auto regr_text, read_file(path / "regr.json"));
    json regr = json::parse(regr_text, nullptr, false);
    if (!regr.is_object() || !regr.contains("uri") || !regr["uri"].is_string()) {
      return make_error(ErrorKind::kIo, "malformed " + (path / "regr.json").string());
    }
    StoredAccount a{.id = path.filename().string(), .url = regr.value("uri", ""), .key = std::move(key)};
    // certbot's regr.json keeps the account object under "body".
    const json& holder = regr.contains("contact") || !regr.contains("body") ? regr : regr["body"];
    if (holder.is_object() && holder.contains("contact") && holder["contact"].is_array()) {
      for (const auto& c : holder["contact"]) if (c.is_string()) a.contact.push_back(c.get<std::string>());
    }
    out.push_back(std::move(a));
  }
  return out;
}

Result<StoredAccount> AccountStore::save(std::string_view directory_url, const crypto::PrivateKey& key,
                                         std::string url, std::vector<std::string> contact) {
  // The id is derived from the key, as certbot does: the same key always
  // lands in the same directory.
  const std::string tp = jose::thumbprint(key.public_key().to_jwk());
  std::string id;
  for (unsigned char c : crypto::sha256(tp).substr(0, 16)) id += fmt::format("{:02x}", c);
  const fs::path dir = root_ / server_dir_name(directory_url) / id;
  ACMEKIT_CHECK(write_file_atomic(dir / "private_key.pem", key.to_pem(), 0600));
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  json meta{{"creation_dt", fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(
                                                         std::chrono::system_clock::now()))},
            {"creation_host", host}};
  ACMEKIT_CHECK(write_file_atomic(dir / "meta.json", meta.dump(2) + "\n", 0644));
  json regr{{"uri", url}, {"contact", contact}};
  ACMEKIT_CHECK(write_file_atomic(dir / "regr.json", regr.dump(2) + "\n", 0644));
  return StoredAccount{.id = id, .url = std::move(url), .contact = std::move(contact), .key = key};
}

Status AccountStore::save_contact(std::string_view directory_url, const StoredAccount& account) {
  json regr{{"uri", account.url}, {"contact", account.contact}};
  return write_file_atomic(root_ / server_dir_name(directory_url) / account.id / "regr.json",
                           regr.dump(2) + "\n", 0644);
}

namespace {
constexpr const char* kStagedKey = "private_key.next.pem";
}  // namespace

Status AccountStore::stage_key(std::string_view directory_url, const StoredAccount& account,
                               const crypto::PrivateKey& key) {
  const fs::path path = root_ / server_dir_name(directory_url) / account.id / kStagedKey;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    return make_error(ErrorKind::kIo, path.string() + " already holds a staged account key");
  }
  return write_file_atomic(path, key.to_pem(), 0600);
}

Result<crypto::PrivateKey> AccountStore::current_key(std::string_view directory_url,
                                                     const StoredAccount& account) const {
  return read_account_key(root_ / server_dir_name(directory_url) / account.id);
}

bool AccountStore::has_staged_key(std::string_view directory_url, const StoredAccount& account) const {
  std::error_code ec;
  return fs::exists(root_ / server_dir_name(directory_url) / account.id / kStagedKey, ec);
}

Result<std::optional<crypto::PrivateKey>> AccountStore::staged_key(std::string_view directory_url,
                                                                   const StoredAccount& account) const {
  const fs::path path = root_ / server_dir_name(directory_url) / account.id / kStagedKey;
  if (!has_staged_key(directory_url, account)) return std::optional<crypto::PrivateKey>();
  ACMEKIT_TRY(auto pem, read_file(path));
  auto key = crypto::PrivateKey::from_pem(pem);
  if (!key) return std::unexpected(std::move(key).error().with_context(path.string()));
  return std::optional<crypto::PrivateKey>(std::move(*key));
}

Status AccountStore::discard_staged_key(std::string_view directory_url, const StoredAccount& account) {
  const fs::path dir = root_ / server_dir_name(directory_url) / account.id;
  if (::unlink((dir / kStagedKey).c_str()) != 0 && errno != ENOENT) {
    return make_error(ErrorKind::kIo, "removing " + (dir / kStagedKey).string() + ": " + std::strerror(errno));
  }
  return sync_directory(dir);
}

AccountStore::KeyLock::~KeyLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the descriptor releases the flock
}

AccountStore::KeyLock& AccountStore::KeyLock::operator=(KeyLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<std::optional<AccountStore::KeyLock>> AccountStore::try_lock_key(std::string_view directory_url,
                                                                        const StoredAccount& account) {
  const fs::path dir = root_ / server_dir_name(directory_url) / account.id;
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(ErrorKind::kIo, "opening " + dir.string() + ": " + std::strerror(errno));
  KeyLock lock(fd);
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno == EWOULDBLOCK) return std::optional<KeyLock>();
    return make_error(ErrorKind::kIo, "locking " + dir.string() + ": " + std::strerror(errno));
  }
  return std::optional<KeyLock>(std::move(lock));
}

Status AccountStore::commit_key(std::string_view directory_url, const StoredAccount& account) {
  const fs::path dir = root_ / server_dir_name(directory_url) / account.id;
  std::error_code ec;
  if (!fs::exists(dir / "private_key.pem", ec) && fs::exists(dir / "private_key.json", ec)) {
    // certbot's account (read_account_key): the new key replaces its
    // private_key.json, in certbot's form, so certbot goes on signing with
    // the key the CA now has. Until the staged key is gone, a crash here is
    // resolved as any interrupted rollover (key_rollover.cc).
    ACMEKIT_TRY(auto pem, read_file(dir / kStagedKey));
    ACMEKIT_TRY(auto key, crypto::PrivateKey::from_pem(pem));
    ACMEKIT_CHECK(write_file_atomic(dir / "private_key.json", key.to_jwk().dump(), 0400));
    if (::unlink((dir / kStagedKey).c_str()) != 0) {
      return make_error(ErrorKind::kIo, "removing the staged account key in " + dir.string());
    }
    return sync_directory(dir);
  }
  if (::rename((dir / kStagedKey).c_str(), (dir / "private_key.pem").c_str()) != 0) {
    return make_error(ErrorKind::kIo, "installing the new account key in " + dir.string());
  }
  return sync_directory(dir);
}

Status AccountStore::remove(std::string_view directory_url, const StoredAccount& account) {
  std::error_code ec;
  fs::remove_all(root_ / server_dir_name(directory_url) / account.id, ec);
  if (ec) return make_error(ErrorKind::kIo, "removing account " + account.id + ": " + ec.message());
  return {};
}

}  // namespace acmekit::client::store
