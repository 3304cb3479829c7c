// Certificate lineages on disk, certbot's layout so nginx configs carry over:
//   DIR/archive/<name>/{cert,chain,fullchain,privkey}N.pem   every version
//   DIR/live/<name>/{cert,chain,fullchain,privkey}.pem        the newest
//   DIR/renewal/<name>.conf                                   what renewal needs
//
// Installing is atomic as a whole, not file by file: live/<name> is a
// symlink to live/.<name>.vN, a directory whose four symlinks point at
// archive/<name>/*N.pem. Switching versions is one rename() of live/<name>, so at no
// instant does live/ pair a certificate with a key that does not match it.
// (certbot swaps the four links one at a time.)
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace acmekit::client::store {

// renewal/<name>.conf: certbot's format, "key = value" lines with a
// [renewalparams] section.
struct RenewalConfig {
  std::map<std::string, std::string> params;  // the [renewalparams] section
  // Its subsections (configobj's [[NAME]]), e.g. certbot's [[webroot_map]]
  // (name = webroot). Written back as read.
  std::map<std::string, std::map<std::string, std::string>> subsections;
};

struct LineageFiles {
  std::string cert_pem;       // the leaf
  std::string chain_pem;      // the issuers
  std::string fullchain_pem;  // leaf + issuers
  std::string privkey_pem;
};

struct LineagePaths {
  std::filesystem::path cert, chain, fullchain, privkey;
};

class LineageStore {
 public:
  explicit LineageStore(std::filesystem::path config_dir) : dir_(std::move(config_dir)) {}

  // Names are certbot's: no '/', not empty, not starting with '.'.
  static Status check_name(std::string_view name);

  // Writes version N+1 into archive/, writes renewal/<name>.conf, then
  // switches live/<name> to it with one rename. Returns the live paths.
  // A lineage in certbot's layout (is_certbot_layout) stays in it: the four
  // links of live/<name>/ are replaced one by one (each atomically), as
  // certbot does, and its renewal conf is left as certbot wrote it.
  Result<LineagePaths> install(const std::string& name, const LineageFiles& files,
                               const RenewalConfig& renewal);

  // Makes version n, already in archive/<name>/, the live one in acmekit's
  // layout (live/.<name>.vn, renewal conf, then one rename of live/<name>).
  // For import-certbot, which copied the archive first.
  Status link_version(const std::string& name, int n, const RenewalConfig& renewal);

  // live/<name> is a real directory of four links (certbot made it), not
  // acmekit's live/<name> -> live/.<name>.vN.
  bool is_certbot_layout(const std::string& name) const;
  // The live paths of a lineage (whether or not they exist).
  LineagePaths live_paths(const std::string& name) const;
  // Names of every lineage that has a live/ entry, sorted.
  std::vector<std::string> list() const;
  // The newest version number in archive/<name>, 0 if none.
  int latest_version(const std::string& name) const;

  Result<RenewalConfig> read_renewal(const std::string& name) const;
  // Replaces renewal/<name>.conf (atomically, under the config dir's lock)
  // when it still has the text `expected`; kFailedPrecondition when another
  // process changed it meanwhile (then it is left alone). For reconfigure.
  Status replace_renewal(const std::string& name, std::string_view expected, const RenewalConfig& renewal);
  std::filesystem::path renewal_path(const std::string& name) const { return dir_ / "renewal" / (name + ".conf"); }

  // Deletes a lineage: renewal conf first (renew stops seeing it), then the
  // live link, then every archived version. Error if it does not exist.
  Status remove(const std::string& name);

  const std::filesystem::path& config_dir() const { return dir_; }

 private:
  Status link_version_locked(const std::string& name, int n, const RenewalConfig& renewal);
  // Version numbers of the live/.<name>.vN directories.
  std::vector<int> version_dirs(const std::string& name) const;

  std::filesystem::path dir_;
};

std::string format_renewal_config(const std::string& name, const std::filesystem::path& config_dir,
                                  const RenewalConfig& renewal);
RenewalConfig parse_renewal_config(std::string_view text);

}  // namespace acmekit::client::store
