// The client's one-line-per-record files, read back from disk:
//   .index/lineages.tsv (lineage_index.h), .index/ari.tsv (ari_cache.h),
//   archive/NAME/revoked.tsv (revocations.h), all on SortedTsv.
// The input is split at the first line "==": before it the TSV under test
// (written as lineages.tsv and ari.tsv), after it revoked.tsv. A temp config
// dir holds one lineage "a" (live/a -> .a.v1 with a real certificate).
// Invariants: SortedTsv rows are sorted, unique and found; a scan that
// wrote the index reads it back as a full cache hit with the same result;
// ARI states that are found survive save and load.
#include <filesystem>

#include "client/renewal/ari_cache.h"
#include "client/store/lineage_index.h"
#include "client/store/revocations.h"
#include "client/store/sorted_tsv.h"
#include "fuzz_util.h"

namespace {
using namespace acmekit;
using namespace acmekit::client;
namespace fs = std::filesystem;

constexpr std::string_view kCertPem = R"(-----BEGIN CERTIFICATE-----
MIIByjCCAXCgAwIBAgIUFjoHcLPBZE4Immafwky2GxbifvUwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRZnV6ei5leGFtcGxlLnRlc3QwHhcNMjYxMjA1MTUxOTI2WhcN
MjcwMzA1MTUxOTI2WjAcMRowGAYDVQQDDBFmdXp6LmV4YW1wbGUudGVzdDBZMBMG
ByqGSM49AgEGCCqGSM49AwEHA0IABNnoEO4NXRZmLIln0e5J5zfMdgvjSOnmNBAx
1XTphNQbn4+hjJw/zjthW4ABDumaLXxrd05TabBYqeicZidz7+2jgY8wgYwwHQYD
VR0OBBYEFO/Ncfft2KsyCx1pD7TZyz2D2D82MB8GA1UdIwQYMBaAFO/Ncfft2Ksy
Cx1pD7TZyz2D2D82MA8GA1UdEwEB/wQFMAMBAf8wOQYDVR0RBDIwMIIRZnV6ei5l
eGFtcGxlLnRlc3SCFXd3dy5mdXp6LmV4YW1wbGUudGVzdIcEwAACATAKBggqhkjO
PQQDAgNIADBFAiASHvT934bOYlONb/8VNE4AyqdCGFiKjlXihy39HcgUeQIhAIef
8Z/WV/4wrJZt88l0Jff6SuUAxTb9bdDuoQF9Hkqc
-----END CERTIFICATE-----
)";

struct ConfigDir {
  fuzz::TempDir tmp;
  fs::path dir = tmp.path() / "config";
  ConfigDir() {
    fs::create_directories(dir / "live" / ".a.v1");
    fs::create_directories(dir / "archive" / "a");
    fs::create_directories(dir / ".index");
    fuzz::write_file(dir / "live" / ".a.v1" / "cert.pem", kCertPem);
    fs::create_directory_symlink(".a.v1", dir / "live" / "a");
  }
};

bool same(const store::LineageValidity& x, const store::LineageValidity& y) {
  return x.name == y.name && x.not_before == y.not_before && x.not_after == y.not_after && x.cert_id == y.cert_id &&
         x.revoked == y.revoked;
}

void check_sorted_tsv(const fs::path& file) {
  const store::SortedTsv tsv = store::SortedTsv::load(file);
  const auto& rows = tsv.rows();
  for (size_t i = 0; i < rows.size(); ++i) {
    FUZZ_CHECK(rows[i].key.find_first_of("\t\n") == std::string_view::npos);
    FUZZ_CHECK(rows[i].rest.find('\n') == std::string_view::npos);
    FUZZ_CHECK(!rows[i].key.starts_with('#'));
    if (i > 0) FUZZ_CHECK(rows[i - 1].key < rows[i].key);
  }
  for (const auto& row : rows) {  // ascending: the cursor path
    auto found = tsv.find(row.key);
    FUZZ_CHECK(found && *found == row.rest);
  }
  for (size_t i = rows.size(); i-- > 0;) {  // descending: the binary search
    auto found = tsv.find(rows[i].key);
    FUZZ_CHECK(found && *found == rows[i].rest);
    std::string_view f[3];
    (void)store::split_fields(rows[i].rest, f, 3);
  }
  (void)tsv.find("");
  (void)tsv.find("zzzz-not-there");
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ConfigDir config;
  const fs::path& dir = config.dir;
  std::string_view in = fuzz::as_view(data, size);
  std::string_view table = in, revoked;
  if (const size_t sep = in.find("\n==\n"); sep != std::string_view::npos) {
    table = in.substr(0, sep + 1);
    revoked = in.substr(sep + 4);
  }
  const fs::path index = dir / ".index" / "lineages.tsv";
  const fs::path ari = dir / ".index" / "ari.tsv";
  const fs::path revocations = dir / "archive" / "a" / "revoked.tsv";
  fuzz::write_file(index, table);
  fuzz::write_file(ari, table);
  std::error_code ec;
  fs::remove(revocations, ec);
  if (!revoked.empty()) fuzz::write_file(revocations, revoked);

  check_sorted_tsv(index);

  // The lineage index, twice: the second scan reads what the first wrote.
  const store::LineageStore store(dir);
  const store::LineageScan first = store::scan_lineages(store);
  FUZZ_CHECK(first.lineages.size() + first.unreadable.size() == 1);
  const store::LineageScan second = store::scan_lineages(store);
  FUZZ_CHECK(second.parsed == 0);
  FUZZ_CHECK(second.lineages.size() == first.lineages.size());
  for (size_t i = 0; i < first.lineages.size(); ++i) FUZZ_CHECK(same(first.lineages[i], second.lineages[i]));
  FUZZ_CHECK(store::drop_index_line(store, "a").has_value());
  FUZZ_CHECK(!store::SortedTsv::load(index).find("a"));
  (void)store::is_revoked(store, "a", "not a certificate");

  // The ARI cache: every row asked about its own certificate id.
  auto cache = renewal::AriCache::load(dir);
  const store::SortedTsv rows = store::SortedTsv::load(ari);
  std::vector<std::pair<std::string, renewal::AriState>> found;
  for (const auto& row : rows.rows()) {
    const std::string_view cert_id = row.rest.substr(0, row.rest.find('\t'));
    if (auto state = cache.find(row.key, cert_id)) {
      FUZZ_CHECK(state->cert_id == cert_id);
      if (state->window) FUZZ_CHECK(state->window->start < state->window->end);
      // Names and ids with a CR are not written back (ari_cache.cc's plain()).
      if (!row.key.empty() && !cert_id.empty() && row.key.find('\r') == std::string_view::npos &&
          cert_id.find('\r') == std::string_view::npos) {
        found.emplace_back(std::string(row.key), *state);
      }
    }
  }
  if (!found.empty()) {
    // Rewritten as they are, they read back the same.
    for (const auto& [name, state] : found) cache.put(name, state);
    cache.forget("zzzz-not-there");
    FUZZ_CHECK(cache.save().has_value());
    const auto reloaded = renewal::AriCache::load(dir);
    for (const auto& [name, state] : found) {
      auto again = reloaded.find(name, state.cert_id);
      FUZZ_CHECK(again.has_value());
      FUZZ_CHECK(again->next_fetch == state.next_fetch && again->failures == state.failures);
      FUZZ_CHECK(again->window.has_value() == state.window.has_value());
    }
  }
  return 0;
}
