#include "client/install/nginx_config.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace acmekit::client::install {
namespace {

// Deeper nesting than any real configuration; a bound keeps a hostile file
// from exhausting the stack.
constexpr int kMaxDepth = 100;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string quoted_char(char c) { return std::string("\"") + c + "\""; }

// ngx_conf_read_token's copy loop: \" \' \\ lose the backslash, \t \r \n
// become the control character, any other backslash stays.
std::string unescape(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] == '\\' && i + 1 < raw.size()) {
      const char n = raw[i + 1];
      if (n == '"' || n == '\'' || n == '\\') {
        out += n;
        ++i;
        continue;
      }
      if (n == 't' || n == 'r' || n == 'n') {
        out += n == 't' ? '\t' : n == 'r' ? '\r' : '\n';
        ++i;
        continue;
      }
    }
    out += raw[i];
  }
  return out;
}

enum class TokKind { kWord, kSemicolon, kOpen, kClose, kEof };

struct Tok {
  TokKind kind = TokKind::kEof;
  Word word;
  std::size_t pos = 0;  // of the separator (or the end of the text)
  int line = 0;
};

class Parser {
 public:
  Parser(const std::string& path, const std::string& text) : path_(path), t_(text) {}

  Status parse(ConfigFile& file) {
    std::size_t prev_end = 0;
    std::size_t close = 0;
    ACMEKIT_TRY(file.nodes, parse_body(prev_end, 0, close));
    file.tail_begin = prev_end;
    return {};
  }

 private:
  std::unexpected<Error> fail(int line, std::string_view what) const {
    return make_error(ErrorKind::kInvalidArgument, path_ + ":" + std::to_string(line) + ": " + std::string(what));
  }

  void skip_space_and_comments() {
    while (p_ < t_.size()) {
      const char c = t_[p_];
      if (is_space(c)) {
        if (c == '\n') ++line_;
        ++p_;
      } else if (c == '#') {
        while (p_ < t_.size() && t_[p_] != '\n') ++p_;
      } else {
        break;
      }
    }
  }

  // A backslash at p_ and what it escapes (a newline escaped still counts).
  void skip_escape() {
    if (p_ + 1 < t_.size() && t_[p_ + 1] == '\n') ++line_;
    p_ = std::min(p_ + 2, t_.size());
  }

  Result<Tok> next() {
    skip_space_and_comments();
    Tok tok;
    tok.line = line_;
    tok.pos = p_;
    if (p_ >= t_.size()) return tok;
    const char c = t_[p_];
    if (c == ';' || c == '{' || c == '}') {
      tok.kind = c == ';' ? TokKind::kSemicolon : c == '{' ? TokKind::kOpen : TokKind::kClose;
      ++p_;
      return tok;
    }
    tok.kind = TokKind::kWord;
    tok.word.begin = p_;
    if (c == '"' || c == '\'') {
      ++p_;
      while (true) {
        if (p_ >= t_.size()) return fail(tok.line, "unterminated quoted string");
        const char d = t_[p_];
        if (d == '\\') {
          skip_escape();
          continue;
        }
        if (d == '\n') ++line_;
        ++p_;
        if (d == c) break;
      }
      tok.word.end = p_;
      tok.word.quoted = true;
      tok.word.value = unescape(std::string_view(t_).substr(tok.word.begin + 1, p_ - tok.word.begin - 2));
      // nginx's need_space: a quoted word ends at a separator; `)` may
      // follow it (it then starts the next word: `if ($a = "b")`).
      if (p_ < t_.size()) {
        const char n = t_[p_];
        if (!is_space(n) && n != ';' && n != '{' && n != ')') return fail(line_, "unexpected " + quoted_char(n));
      }
      return tok;
    }
    bool variable = false;
    while (p_ < t_.size()) {
      const char d = t_[p_];
      if (d == '\\') {
        variable = false;
        skip_escape();
        continue;
      }
      if (d == '{' && variable) {  // "${name}": part of the word
        ++p_;
        continue;
      }
      variable = d == '$';
      if (is_space(d) || d == ';' || d == '{') break;
      ++p_;
    }
    tok.word.end = p_;
    tok.word.value = unescape(std::string_view(t_).substr(tok.word.begin, p_ - tok.word.begin));
    return tok;
  }

  // The nodes of one body, up to its `}` (depth > 0: close gets its
  // offset) or the end of the file (depth 0). prev_end: where the first
  // node's prefix starts; on return, where the last node ended.
  Result<std::vector<Node>> parse_body(std::size_t& prev_end, int depth, std::size_t& close) {
    if (depth > kMaxDepth) return fail(line_, "blocks nested too deeply");
    std::vector<Node> nodes;
    while (true) {
      ACMEKIT_TRY(Tok tok, next());
      switch (tok.kind) {
        case TokKind::kEof:
          if (depth > 0) return fail(tok.line, "unexpected end of file, expecting \"}\"");
          return nodes;
        case TokKind::kClose:
          if (depth == 0) return fail(tok.line, "unexpected \"}\"");
          close = tok.pos;
          return nodes;
        case TokKind::kSemicolon:
          return fail(tok.line, "unexpected \";\"");
        case TokKind::kOpen:
          return fail(tok.line, "unexpected \"{\"");
        case TokKind::kWord:
          break;
      }
      Node node;
      node.prefix_begin = prev_end;
      node.start = tok.word.begin;
      node.line = tok.line;
      node.words.push_back(std::move(tok.word));
      bool done = false;
      while (!done) {
        ACMEKIT_TRY(Tok more, next());
        switch (more.kind) {
          case TokKind::kWord:
            node.words.push_back(std::move(more.word));
            break;
          case TokKind::kSemicolon:
            node.end = more.pos + 1;
            done = true;
            break;
          case TokKind::kOpen: {
            node.is_block = true;
            node.body_begin = more.pos + 1;
            std::size_t inner_end = node.body_begin;
            ACMEKIT_TRY(node.children, parse_body(inner_end, depth + 1, node.close));
            node.end = node.close + 1;
            done = true;
            break;
          }
          case TokKind::kClose:
            return fail(more.line, "unexpected \"}\"");
          case TokKind::kEof:
            return fail(more.line, "unexpected end of file, expecting \";\" or \"}\"");
        }
      }
      prev_end = node.end;
      nodes.push_back(std::move(node));
    }
  }

  const std::string& path_;
  const std::string& t_;
  std::size_t p_ = 0;
  int line_ = 1;
};

void serialize_node(const std::string& t, const Node& n, std::string& out) {
  if (!n.is_block) {
    out.append(t, n.prefix_begin, n.end - n.prefix_begin);
    return;
  }
  out.append(t, n.prefix_begin, n.body_begin - n.prefix_begin);
  for (const auto& c : n.children) serialize_node(t, c, out);
  out.append(t, n.close_prefix_begin(), n.end - n.close_prefix_begin());
}

}  // namespace

std::vector<const Node*> ConfigFile::find(const Node* block, std::string_view name) const {
  std::vector<const Node*> out;
  for (const auto& n : block ? block->children : nodes) {
    if (n.name() == name) out.push_back(&n);
  }
  return out;
}

Result<ConfigFile> parse_config(std::string path, std::string text) {
  ConfigFile file;
  file.path = std::move(path);
  file.text = std::move(text);
  Parser parser(file.path, file.text);
  ACMEKIT_CHECK(parser.parse(file));
  return file;
}

Result<ConfigFile> load_config_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::kIo, "cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::kIo, "cannot read " + path);
  return parse_config(path, std::move(s).str());
}

std::string serialize(const ConfigFile& file) {
  std::string out;
  out.reserve(file.text.size());
  for (const auto& n : file.nodes) serialize_node(file.text, n, out);
  out.append(file.text, file.tail_begin);
  return out;
}

int line_of(std::string_view text, std::size_t pos) {
  int line = 1;
  for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
  }
  return line;
}

Result<std::string> nginx_word(std::string_view value) {
  if (value.find('$') != std::string_view::npos) {
    return make_error(ErrorKind::kInvalidArgument, "a value with \"$\" would be read by nginx as a variable");
  }
  bool plain = !value.empty();
  for (const char c : value) {
    if (is_space(c) || c == ';' || c == '{' || c == '}' || c == '"' || c == '\'' || c == '#' || c == '\\') {
      plain = false;
    }
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace acmekit::client::install
