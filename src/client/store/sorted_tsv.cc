#include "client/store/sorted_tsv.h"

#include <algorithm>

#include "core/fs/atomic_file.h"

namespace acmekit::client::store {

SortedTsv::SortedTsv(SortedTsv&& other) noexcept { *this = std::move(other); }

SortedTsv& SortedTsv::operator=(SortedTsv&& other) noexcept {
  // The views point into the string's heap buffer, which a move keeps
  // (a short string's inline buffer would not: rebuild in that case).
  const char* old_data = other.text_.data();
  text_ = std::move(other.text_);
  rows_ = std::move(other.rows_);
  cursor_ = other.cursor_;
  if (text_.data() != old_data) {
    for (auto& r : rows_) {
      r.key = std::string_view(text_.data() + (r.key.data() - old_data), r.key.size());
      r.rest = std::string_view(text_.data() + (r.rest.data() - old_data), r.rest.size());
    }
  }
  return *this;
}

SortedTsv SortedTsv::load(const std::filesystem::path& file) {
  SortedTsv t;
  auto text = fsio::read_file(file);
  if (!text) return t;
  t.text_ = std::move(*text);
  t.rows_.reserve(static_cast<size_t>(std::count(t.text_.begin(), t.text_.end(), '\n')));
  std::string_view rest = t.text_;
  bool sorted = true;
  while (!rest.empty()) {
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last line
    const std::string_view line = rest.substr(0, nl);
    rest.remove_prefix(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string_view::npos || tab == 0) continue;
    Row row{line.substr(0, tab), line.substr(tab + 1)};
    if (!t.rows_.empty() && !(t.rows_.back().key < row.key)) sorted = false;
    t.rows_.push_back(row);
  }
  if (!sorted) {
    // Someone else's file: sort, and keep the last row of a repeated key.
    std::stable_sort(t.rows_.begin(), t.rows_.end(), [](const Row& a, const Row& b) { return a.key < b.key; });
    std::vector<Row> unique;
    unique.reserve(t.rows_.size());
    for (const Row& r : t.rows_) {
      if (!unique.empty() && unique.back().key == r.key) unique.back() = r;
      else unique.push_back(r);
    }
    t.rows_ = std::move(unique);
  }
  return t;
}

std::optional<std::string_view> SortedTsv::find(std::string_view key) const {
  if (rows_.empty()) return std::nullopt;
  // Ascending lookups: the row at (or right after) the cursor.
  for (size_t i = cursor_; i < rows_.size() && i < cursor_ + 2; ++i) {
    if (rows_[i].key == key) {
      cursor_ = i + 1;
      return rows_[i].rest;
    }
    if (key < rows_[i].key) break;
  }
  auto it = std::lower_bound(rows_.begin(), rows_.end(), key, [](const Row& r, std::string_view k) { return r.key < k; });
  cursor_ = static_cast<size_t>(it - rows_.begin());
  if (it == rows_.end() || it->key != key) return std::nullopt;
  ++cursor_;
  return it->rest;
}

bool split_fields(std::string_view line, std::string_view* fields, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const size_t tab = line.find('\t');
    if (i + 1 == n) {
      if (tab != std::string_view::npos) return false;
      fields[i] = line;
      return true;
    }
    if (tab == std::string_view::npos) return false;
    fields[i] = line.substr(0, tab);
    line.remove_prefix(tab + 1);
  }
  return n == 0 && line.empty();
}

}  // namespace acmekit::client::store
