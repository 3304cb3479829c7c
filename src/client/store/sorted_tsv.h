// A read-only table in a text file: one record per line, the key before the
// first tab, lines sorted by key (the writer sorts). Made for the caches that
// keep `acmekit renew` fast over 100,000 lineages (lineage_index.h,
// renewal/ari_cache.h): loading is one read and one pass over the text, no
// allocation per line; looking keys up in ascending order (as a pass over
// live/ does) costs O(1) each, any other order a binary search.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acmekit::client::store {

class SortedTsv {
 public:
  struct Row {
    std::string_view key;
    std::string_view rest;  // the line after the key's tab, without the newline
  };

  // A missing or unreadable file is an empty table. Lines starting with '#',
  // lines without a tab and a torn last line (no newline) are skipped; rows
  // out of order are sorted, a repeated key keeps its last row.
  static SortedTsv load(const std::filesystem::path& file);

  // The rest of the line of `key`, or nullopt.
  std::optional<std::string_view> find(std::string_view key) const;

  const std::vector<Row>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }

  SortedTsv() = default;
  SortedTsv(SortedTsv&&) noexcept;
  SortedTsv& operator=(SortedTsv&&) noexcept;
  SortedTsv(const SortedTsv&) = delete;
  SortedTsv& operator=(const SortedTsv&) = delete;

 private:
  std::string text_;       // the file; rows_ point into it
  std::vector<Row> rows_;  // sorted by key
  mutable size_t cursor_ = 0;  // where the last lookup ended (so lookups are not thread-safe)
};

// Splits `line` at tabs into exactly `n` fields; false when it has another
// number of fields.
bool split_fields(std::string_view line, std::string_view* fields, size_t n);

}  // namespace acmekit::client::store
