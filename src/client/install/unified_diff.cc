#include "client/install/unified_diff.h"

#include <algorithm>
#include <vector>

namespace acmekit::client::install {
namespace {

// Lines with their line break (the last one may lack it).
std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl + 1;
    lines.push_back(text.substr(pos, end - pos));
    pos = end;
  }
  return lines;
}

enum class Op { kKeep, kDel, kAdd };
struct Line {
  Op op;
  std::string_view text;
};

void append_line(std::string& out, char mark, std::string_view text) {
  out += mark;
  out += text;
  if (text.empty() || text.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string unified_diff(const std::string& path, std::string_view before, std::string_view after,
                         bool before_exists) {
  if (before == after && before_exists) return "";
  const auto a = split_lines(before);
  const auto b = split_lines(after);
  // The common head and tail first: the edits are small, the table stays small.
  std::size_t head = 0;
  while (head < a.size() && head < b.size() && a[head] == b[head]) ++head;
  std::size_t tail = 0;
  while (tail < a.size() - head && tail < b.size() - head && a[a.size() - 1 - tail] == b[b.size() - 1 - tail]) ++tail;
  const std::size_t n = a.size() - head - tail, m = b.size() - head - tail;
  // Longest common subsequence of the middle.
  std::vector<std::vector<std::size_t>> lcs(n + 1, std::vector<std::size_t>(m + 1, 0));
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t j = m; j-- > 0;) {
      lcs[i][j] = a[head + i] == b[head + j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<Line> script;
  for (std::size_t k = 0; k < head; ++k) script.push_back({Op::kKeep, a[k]});
  std::size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[head + i] == b[head + j]) {
      script.push_back({Op::kKeep, a[head + i]});
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      script.push_back({Op::kDel, a[head + i++]});  // diff -u: removed lines before added ones
    } else {
      script.push_back({Op::kAdd, b[head + j++]});
    }
  }
  for (std::size_t k = a.size() - tail; k < a.size(); ++k) script.push_back({Op::kKeep, a[k]});

  std::string out = "--- " + (before_exists ? path : std::string("/dev/null")) + "\n+++ " + path + "\n";
  constexpr std::size_t kContext = 3;
  std::size_t pos = 0;
  while (pos < script.size()) {
    if (script[pos].op == Op::kKeep) {
      ++pos;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext lines after
    // the last change closer than 2 * kContext lines to the previous one.
    std::size_t begin = pos >= kContext ? pos - kContext : 0;
    std::size_t end = pos, keeps = 0;
    for (std::size_t k = pos; k < script.size(); ++k) {
      if (script[k].op == Op::kKeep) {
        if (++keeps > 2 * kContext) break;
      } else {
        keeps = 0;
        end = k + 1;
      }
    }
    end = std::min(script.size(), end + kContext);
    // Line numbers of the hunk's first line in each file.
    std::size_t a_line = 1, b_line = 1;
    for (std::size_t k = 0; k < begin; ++k) {
      if (script[k].op != Op::kAdd) ++a_line;
      if (script[k].op != Op::kDel) ++b_line;
    }
    std::size_t a_count = 0, b_count = 0;
    for (std::size_t k = begin; k < end; ++k) {
      if (script[k].op != Op::kAdd) ++a_count;
      if (script[k].op != Op::kDel) ++b_count;
    }
    // diff -u: an empty range is numbered by the line before it.
    if (a_count == 0) --a_line;
    if (b_count == 0) --b_line;
    out += "@@ -" + std::to_string(a_line) + "," + std::to_string(a_count) + " +" + std::to_string(b_line) + "," +
           std::to_string(b_count) + " @@\n";
    for (std::size_t k = begin; k < end; ++k) {
      append_line(out, script[k].op == Op::kKeep ? ' ' : script[k].op == Op::kDel ? '-' : '+', script[k].text);
    }
    pos = end;
  }
  return out;
}

}  // namespace acmekit::client::install
