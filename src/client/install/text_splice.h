// Byte-exact text edits the installers' edit operations are built from:
// replacements at offsets of the original text, and the layout facts
// (indentation, line breaks) inserted lines copy from the file.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace acmekit::client::install {

// Replace [pos, pos + len) of the original text with `text`.
struct Splice {
  std::size_t pos;
  std::size_t len;
  std::string text;
};

// The splices applied (from the back, so earlier offsets stay true; at one
// offset a removal before an insertion).
std::string apply_splices(std::string text, std::vector<Splice> splices);

// The whitespace from the start of pos's line to pos, when only whitespace
// lies there.
std::optional<std::string> line_indent(std::string_view text, std::size_t pos);

// One indentation level as the file writes it: a tab when more lines start
// with a tab than with a space, else four spaces.
std::string indent_unit(std::string_view text);

// The file's line break: CR LF when it uses them.
std::string line_break(std::string_view text);

}  // namespace acmekit::client::install
