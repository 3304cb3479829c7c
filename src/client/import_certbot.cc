#include "client/import_certbot.h"

#include <algorithm>
#include <regex>

#include "client/lineage_settings.h"
#include "client/report_json.h"
#include "client/store/atomic_file.h"
#include "client/store/config_lock.h"
#include "client/store/lineages.h"

namespace acmekit::client {
namespace fs = std::filesystem;

namespace {

// Copies the regular files of `from` (not recursively) into `to`, keys and
// private keys 0600, the rest 0644; each atomically.
Status copy_files(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return make_error(ErrorKind::kIo, "creating " + to.string() + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_all, ec);
  for (const auto& e : fs::directory_iterator(from, ec)) {
    if (!e.is_regular_file()) continue;
    const std::string f = e.path().filename().string();
    ACMEKIT_TRY(auto text, store::read_file(e.path()));
    const bool secret = f.starts_with("privkey") || f.starts_with("private_key");
    ACMEKIT_CHECK(store::write_file_atomic(to / f, text, secret ? 0600 : 0644));
  }
  if (ec) return make_error(ErrorKind::kIo, "reading " + from.string() + ": " + ec.message());
  return {};
}

// The version live/NAME/cert.pem points at in certbot's layout ("../../archive/NAME/certN.pem").
Result<int> live_version(const fs::path& live_cert) {
  std::error_code ec;
  const auto target = fs::read_symlink(live_cert, ec);
  static const std::regex re(R"(^cert(\d{1,8})\.pem$)");
  std::smatch m;
  const std::string f = target.filename().string();
  if (ec || !std::regex_match(f, m, re)) {
    return make_error(ErrorKind::kInvalidArgument, live_cert.string() + " is not a link to archive/NAME/certN.pem");
  }
  return std::stoi(m[1]);
}

}  // namespace

nlohmann::json ImportCertbotResult::to_json() const {
  nlohmann::json skipped_json = nlohmann::json::array();
  for (const auto& [name, why] : skipped) skipped_json.push_back({{"cert_name", name}, {"error", why}});
  return {{"format", kJsonFormat}, {"accounts", accounts}, {"lineages", lineages}, {"skipped", skipped_json}};
}

Result<ImportCertbotResult> import_certbot(const std::string& from_dir, const std::string& config_dir) {
  const fs::path from = fs::absolute(from_dir).lexically_normal();
  std::error_code ec;
  if (!fs::is_directory(from / "renewal", ec) && !fs::is_directory(from / "accounts", ec)) {
    return make_error(ErrorKind::kInvalidArgument, from.string() + " has neither renewal/ nor accounts/: not a certbot config dir");
  }
  fs::create_directories(config_dir, ec);
  if (fs::equivalent(from, config_dir, ec)) {
    return make_error(ErrorKind::kInvalidArgument, "--from is the config dir itself (" + config_dir + ")");
  }
  const fs::path to(config_dir);
  ACMEKIT_TRY(auto lock, store::ConfigLock::acquire(to));
  ImportCertbotResult out;

  // Accounts: every accounts/SERVER.../ID/ that holds regr.json, as it is.
  if (fs::is_directory(from / "accounts", ec)) {
    for (auto it = fs::recursive_directory_iterator(from / "accounts", ec); it != fs::recursive_directory_iterator();
         it.increment(ec)) {
      if (ec) break;
      if (!it->is_directory() || !fs::exists(it->path() / "regr.json")) continue;
      const fs::path rel = it->path().lexically_relative(from);
      if (fs::exists(to / rel / "regr.json")) continue;  // imported before
      ACMEKIT_CHECK(copy_files(it->path(), to / rel));
      out.accounts.push_back(it->path().lexically_relative(from / "accounts").string());
    }
  }

  // Lineages: certbot's list is renewal/*.conf.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(from / "renewal", ec)) {
    if (e.path().extension() == ".conf") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  const store::LineageStore source(from);
  store::LineageStore target(to);
  for (const auto& name : names) {
    auto imported = [&]() -> Status {
      ACMEKIT_CHECK(store::LineageStore::check_name(name));
      if (fs::exists(target.renewal_path(name), ec) || fs::exists(fs::symlink_status(to / "live" / name, ec))) {
        return make_error(ErrorKind::kAlreadyExists, "already in " + config_dir + "; left as it is");
      }
      ACMEKIT_TRY(auto settings, load_lineage_settings(source, name));
      ACMEKIT_TRY(int version, live_version(source.live_paths(name).cert));
      ACMEKIT_CHECK(copy_files(from / "archive" / name, to / "archive" / name));
      auto config = settings.to_config();
      // certbot's keys acmekit does not model are kept as they were.
      ACMEKIT_TRY(auto original, source.read_renewal(name));
      for (const auto& [k, v] : original.params) config.params.try_emplace(k, v);
      return target.link_version(name, version, config);
    }();
    if (imported) {
      out.lineages.push_back(name);
    } else {
      out.skipped.emplace_back(name, imported.error().message());
    }
  }
  return out;
}

}  // namespace acmekit::client
