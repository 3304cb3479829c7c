// The ARI state of every lineage on disk (CONFIG_DIR/.index/ari.tsv), so a
// renewal pass with nothing to fetch and nothing due does no network and
// reads one file, also over 100,000 lineages.
//
// One line per lineage, sorted by name: name, certificate identifier (RFC
// 9773 §4.1), the CA asked (directory URL, CA bundle), the window (start,
// end, chosen moment; 0 0 0 when none), the next fetch time, temporary
// failures in a row, explanationURL. Times are
// unix seconds. The file is rewritten atomically when anything changed. It is
// a cache: a torn or foreign line is skipped, and deleting the file costs
// one renewalInfo request per lineage on the next pass.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/renewal/ari.h"
#include "client/store/sorted_tsv.h"
#include "core/error.h"

namespace acmekit::client::renewal {

class AriCache {
 public:
  // CONFIG_DIR/.index/ari.tsv; a missing or unreadable file is an empty cache.
  static AriCache load(const std::filesystem::path& config_dir);

  // The state of lineage `name` if it is about the certificate `cert_id`
  // (a renewed lineage's old state is about another certificate: nullopt).
  // Cheapest when names are asked in ascending order.
  std::optional<AriState> find(std::string_view name, std::string_view cert_id) const;

  void put(const std::string& name, AriState state);
  // Forgets lineage `name`'s state, if it has one (its certificate was revoked).
  void forget(std::string_view name);
  // Forgets every lineage not in `sorted_names` (deleted lineages).
  void keep_only(const std::vector<std::string_view>& sorted_names);

  bool changed() const { return changed_; }
  // Writes the file atomically if anything changed.
  Status save();

 private:
  std::filesystem::path file_;
  store::SortedTsv stored_;
  // Changes since load: a new state, or nullopt for a forgotten lineage.
  std::map<std::string, std::optional<AriState>, std::less<>> changes_;
  bool changed_ = false;
};

}  // namespace acmekit::client::renewal
