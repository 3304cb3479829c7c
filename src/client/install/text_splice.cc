#include "client/install/text_splice.h"

#include <algorithm>

namespace acmekit::client::install {

std::string apply_splices(std::string text, std::vector<Splice> splices) {
  std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) {
    return a.pos != b.pos ? a.pos > b.pos : a.len > b.len;
  });
  for (const auto& s : splices) text.replace(s.pos, s.len, s.text);
  return text;
}

std::optional<std::string> line_indent(std::string_view text, std::size_t pos) {
  std::size_t b = pos;
  while (b > 0 && text[b - 1] != '\n') --b;
  const std::string_view before = text.substr(b, pos - b);
  if (before.find_first_not_of(" \t") != std::string_view::npos) return std::nullopt;
  return std::string(before);
}

std::string indent_unit(std::string_view text) {
  std::size_t tabs = 0, spaces = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] != '\n') continue;
    if (text[i + 1] == '\t') ++tabs;
    if (text[i + 1] == ' ') ++spaces;
  }
  return tabs > spaces ? "\t" : "    ";
}

std::string line_break(std::string_view text) { return text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n"; }

}  // namespace acmekit::client::install
