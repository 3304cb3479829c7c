// Apache httpd's configuration grammar: a file parsed into a tree of
// directives (one logical line each) and sections (`<Name args>` ...
// `</Name>`) that remembers where every node came from, so an unchanged tree
// serializes to the very bytes it was read from and an edit replaces only
// the bytes it means to.
//
// As httpd 2.4 reads a file (server/util.c ap_cfg_getline, ap_getword_conf;
// server/config.c ap_build_config; the "Configuration Files" page of the
// manual):
//   - a physical line ending in a backslash (not itself escaped: [^\]\[CR]LF)
//     continues on the next one; the backslash and line break are dropped;
//   - leading and trailing whitespace of a logical line is ignored, empty
//     lines are skipped;
//   - a logical line whose first character is `#` is a comment (a `#` after
//     a directive's name is an ordinary argument character);
//   - words are separated by whitespace; "..." and '...' quote one word (the
//     quote ends at the matching unescaped quote, or the end of the line),
//     and in it \" (or \') and \\ lose their backslash; outside quotes only
//     \\ does;
//   - `<Name args>` opens a section (args end at the line's last `>`),
//     `</Name>` closes the innermost one (names compare caseless, as every
//     directive name); anything else is a directive whose first word is its
//     name.
// What a directive or section means (VirtualHost, IfModule, Directory,
// Location, Files, IfDefine, Macro, ...) is not the parser's business; all
// are plain directives and sections here. ${VAR} references are kept as
// written (apache_includes.h resolves them where a path needs it).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::client::install {

// One word of a directive: its value as httpd sees it (quotes removed,
// escapes resolved) and where its raw text (quotes included) lies. A word
// broken by a continuation line spans the backslash and line break.
struct ApacheWord {
  std::string value;
  bool quoted = false;
  std::size_t begin = 0;
  std::size_t end = 0;
};

// A directive or a section. Offsets index ApacheFile::text.
//   [prefix_begin, start)  whitespace, line breaks, comments and leading
//                          continuations before it
//   [start, end)           a directive's logical line (trailing whitespace
//                          and the line break excluded); a section from its
//                          `<` to the `>` of its `</Name>`
// For a section, [start, open_end) is the opening line, then the children,
// then [close_prefix_begin(), close) whitespace and comments, then the
// closing line [close, end).
struct ApacheNode {
  std::vector<ApacheWord> words;  // the name (a section's without `<`), then the arguments
  std::size_t prefix_begin = 0;
  std::size_t start = 0;
  std::size_t end = 0;
  int line = 0;  // of the name
  bool is_section = false;
  std::size_t open_end = 0;  // one past the opening line's last byte
  std::size_t close = 0;     // the `<` of `</Name>`
  std::vector<ApacheNode> children;

  const std::string& name() const { return words.front().value; }
  std::size_t arg_count() const { return words.size() - 1; }
  const std::string& arg(std::size_t i) const { return words[i + 1].value; }
  // Caseless name comparison (httpd's directive names are caseless).
  bool is(std::string_view name) const;
  std::size_t close_prefix_begin() const { return children.empty() ? open_end : children.back().end; }
};

struct ApacheFile {
  std::string path;  // as given to parse_apache_config: error messages and includes
  std::string text;  // every byte of the file
  std::vector<ApacheNode> nodes;
  std::size_t tail_begin = 0;  // whitespace and comments after the last node

  // The directives and sections named `name` (caseless) directly in
  // `section` (or at the top, for nullptr), in order.
  std::vector<const ApacheNode*> find(const ApacheNode* section, std::string_view name) const;
};

// Parses `text` (the content of `path`). Errors are kInvalidArgument with
// "PATH:LINE: ..." in httpd's words ("<VirtualHost> was not closed.",
// "Expected </VirtualHost> but saw </Directory>", "</IfModule> without
// matching <IfModule> section", "<Directory> directive missing closing '>'").
// (An unclosed conditional section whose condition is false httpd skips
// unread and words "Expected </IfModule> before end of configuration".)
Result<ApacheFile> parse_apache_config(std::string path, std::string text);

// Reads and parses a file.
Result<ApacheFile> load_apache_file(const std::string& path);

// The text rebuilt from the tree's spans: equal to file.text for every
// successfully parsed file (the tests' proof that no byte is lost).
std::string serialize(const ApacheFile& file);

// A value written as one httpd word: as is when it needs no quoting, else
// double-quoted with `"` and `\` escaped. Values with "${" (httpd would
// substitute a Define) or a line break are refused.
Result<std::string> apache_word(std::string_view value);

// ASCII caseless equality (directive and section names, host names).
bool iequals(std::string_view a, std::string_view b);

}  // namespace acmekit::client::install
