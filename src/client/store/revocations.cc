#include "client/store/revocations.h"

#include "client/store/atomic_file.h"
#include "client/store/config_lock.h"
#include "client/store/lineage_index.h"
#include "core/base64url.h"
#include "core/crypto/digest.h"

namespace acmekit::client::store {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kHeader =
    "# certificates of this lineage revoked with acmekit revoke (RFC 8555 §7.6); the next renew replaces\n"
    "# a revoked live certificate. sha256 (base64url of the DER's) serial revoked_at reason\n";

fs::path record_file(const LineageStore& store, const std::string& name) {
  return store.config_dir() / "archive" / name / "revoked.tsv";
}

// Whether `text` has a line for `fingerprint`.
bool listed(std::string_view text, std::string_view fingerprint) {
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (line.size() > fingerprint.size() && line.starts_with(fingerprint) && line[fingerprint.size()] == '\t') {
      return true;
    }
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return false;
}

bool plain(std::string_view s) { return s.find_first_of("\t\n\r") == std::string_view::npos; }

}  // namespace

std::string certificate_fingerprint(std::string_view der) { return base64url_encode(crypto::sha256(der)); }

Status record_revocation(const LineageStore& store, const std::string& name, const Revocation& r) {
  ACMEKIT_CHECK(LineageStore::check_name(name));
  if (r.fingerprint.empty() || !plain(r.fingerprint) || !plain(r.serial_hex) || !plain(r.reason)) {
    return make_error(ErrorKind::kInvalidArgument, "revocation record: malformed entry");
  }
  // Under the config dir's lock; the index line goes before the record is
  // written (a crash in between leaves no stale line saying "not revoked"),
  // and the epoch moves so a scan that read the record before does not
  // write its line back.
  ACMEKIT_TRY(auto lock, ConfigLock::acquire(store.config_dir()));
  ACMEKIT_CHECK(drop_index_line(store, name));
  ACMEKIT_CHECK(bump_index_epoch(store.config_dir()));
  const fs::path file = record_file(store, name);
  std::error_code ec;
  std::string text;
  if (fs::exists(file, ec)) {
    ACMEKIT_TRY(text, read_file(file));
  }
  if (!listed(text, r.fingerprint)) {
    if (text.empty()) text = kHeader;
    if (text.back() != '\n') text += '\n';  // a torn last line stays on its own
    const auto at = std::chrono::duration_cast<std::chrono::seconds>(r.at.time_since_epoch()).count();
    text += r.fingerprint + '\t' + r.serial_hex + '\t' + std::to_string(at) + '\t' + r.reason + '\n';
    ACMEKIT_CHECK(write_file_atomic(file, text, 0644));
  }
  return drop_index_line(store, name);
}

Result<bool> is_revoked(const LineageStore& store, const std::string& name, std::string_view der) {
  const fs::path file = record_file(store, name);
  std::error_code ec;
  if (!fs::exists(file, ec)) return false;  // the common case: never revoked
  ACMEKIT_TRY(auto text, read_file(file));
  return listed(text, certificate_fingerprint(der));
}

}  // namespace acmekit::client::store
