// nginx's configuration grammar: a file parsed into a tree of directives
// (`name args... ;`) and blocks (`name args... { ... }`) that remembers where
// every node came from, so an unchanged tree serializes to the very bytes it
// was read from and an edit replaces only the bytes it means to.
//
// The lexer follows ngx_conf_read_token() (src/core/ngx_conf_file.c, nginx
// 1.22): tokens are separated by space, tab, CR, LF; `;` ends a directive,
// `{` opens a block, `}` closes one (only where a directive may start:
// inside an unquoted word `}` is an ordinary character, as in nginx); `#`
// starts a comment to the end of the line where a token may start; "..."
// and '...' are quoted words (braces, `;` and `#` inside them are text) and
// must be followed by a separator; a backslash escapes the next character
// anywhere, and in a word's value \" \' \\ \t \r \n are unescaped as nginx
// does (others keep their backslash); `${` inside a word is part of a
// variable reference, not a block. What a directive means (which ones take
// a block, `if (...)`'s condition, a `map`'s pairs, `types`) is not the
// lexer's business: all are plain directives and blocks here.
//
// Out of scope: blocks whose body is not nginx syntax (`*_by_lua_block`,
// njs inline code): they parse only when their text happens to lex as
// nginx tokens, and are then kept byte for byte like everything else.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::client::install {

// One word of a directive: its value as nginx sees it (quotes removed,
// escapes resolved) and where its raw text (quotes included) lies.
struct Word {
  std::string value;
  bool quoted = false;  // was "..." or '...'
  std::size_t begin = 0;
  std::size_t end = 0;
};

// A directive or a block. Offsets index ConfigFile::text.
//   [prefix_begin, start)  whitespace and comments before the directive
//   [start, end)           the directive, up to and including its `;` or `}`
// For a block, [body_begin, close) is what lies between `{` and `}`:
// the children, then [close_prefix_begin(), close) whitespace and comments.
struct Node {
  std::vector<Word> words;  // name, then the arguments
  std::size_t prefix_begin = 0;
  std::size_t start = 0;
  std::size_t end = 0;
  int line = 0;  // of the name
  bool is_block = false;
  std::size_t body_begin = 0;  // one past `{`
  std::size_t close = 0;       // the `}`
  std::vector<Node> children;

  const std::string& name() const { return words.front().value; }
  std::size_t arg_count() const { return words.size() - 1; }
  const std::string& arg(std::size_t i) const { return words[i + 1].value; }
  std::size_t close_prefix_begin() const { return children.empty() ? body_begin : children.back().end; }
};

struct ConfigFile {
  std::string path;  // as given to parse_config: error messages and includes
  std::string text;  // every byte of the file
  std::vector<Node> nodes;
  std::size_t tail_begin = 0;  // whitespace and comments after the last node

  // The directives named `name` directly in `block` (or at the top, for
  // nullptr), in order.
  std::vector<const Node*> find(const Node* block, std::string_view name) const;
};

// Parses `text` (the content of `path`). Errors are kInvalidArgument with
// "PATH:LINE: ..." in nginx's words ("unexpected \"}\"", "unexpected end of
// file, expecting \"}\"", "unterminated quoted string").
Result<ConfigFile> parse_config(std::string path, std::string text);

// Reads and parses a file.
Result<ConfigFile> load_config_file(const std::string& path);

// The text rebuilt from the tree's spans: equal to file.text for every
// successfully parsed file (the tests' proof that no byte is lost).
std::string serialize(const ConfigFile& file);

// The 1-based line of offset `pos` in `text`.
int line_of(std::string_view text, std::size_t pos);

// A value written as one nginx word: as is when it needs no quoting, else
// double-quoted with `"` and `\` escaped. Values nginx would read as a
// variable reference (`$`) are refused: no path we write holds one.
Result<std::string> nginx_word(std::string_view value);

}  // namespace acmekit::client::install
