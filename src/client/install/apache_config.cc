#include "client/install/apache_config.h"

#include <fstream>
#include <sstream>
#include <utility>

namespace acmekit::client::install {
namespace {

// Deeper nesting than any real configuration; a bound keeps a hostile file
// from exhausting the stack.
constexpr int kMaxDepth = 100;

// apr_isspace: the C locale's isspace.
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// One logical line: its characters (continuations removed) and, for each,
// its offset in the file.
struct Logical {
  std::string chars;
  std::vector<std::size_t> at;
  std::size_t raw_end = 0;  // one past the last character (trailing whitespace excluded)
};

// ap_getword_conf's words of `s` [from, to), raw offsets through `map`.
std::vector<ApacheWord> words_of(const Logical& l, std::size_t from, std::size_t to) {
  std::vector<ApacheWord> out;
  const std::string& s = l.chars;
  std::size_t i = from;
  while (true) {
    while (i < to && is_space(s[i])) ++i;
    if (i >= to) break;
    ApacheWord w;
    const std::size_t b = i;
    const char q = s[i];
    if (q == '"' || q == '\'') {
      w.quoted = true;
      ++i;
      while (i < to && s[i] != q) {
        if (s[i] == '\\' && i + 1 < to && (s[i + 1] == q || s[i + 1] == '\\')) {
          w.value += s[i + 1];
          i += 2;
        } else {
          w.value += s[i++];
        }
      }
      if (i < to) ++i;  // the closing quote (an unclosed one ends with the line)
    } else {
      while (i < to && !is_space(s[i])) {
        if (s[i] == '\\' && i + 1 < to && s[i + 1] == '\\') {
          w.value += '\\';
          i += 2;
        } else {
          w.value += s[i++];
        }
      }
    }
    w.begin = l.at[b];
    w.end = l.at[i - 1] + 1;
    out.push_back(std::move(w));
  }
  return out;
}

class Parser {
 public:
  Parser(const std::string& path, const std::string& text) : path_(path), t_(text) {}

  Status parse(ApacheFile& file) {
    std::size_t prev_end = 0;
    ACMEKIT_TRY(file.nodes, parse_body(prev_end, 0, nullptr));
    file.tail_begin = prev_end;
    return {};
  }

 private:
  std::unexpected<Error> fail(int line, std::string_view what) const {
    return make_error(ErrorKind::kInvalidArgument, path_ + ":" + std::to_string(line) + ": " + std::string(what));
  }

  // Skips whitespace and line breaks; p_ then is where a logical line
  // starts (or the end).
  void skip_space() {
    while (p_ < t_.size() && is_space(t_[p_])) {
      if (t_[p_] == '\n') ++line_;
      ++p_;
    }
  }

  // The logical line from p_ (ap_cfg_getline): p_ moves to its line break.
  Logical read_line() {
    Logical l;
    while (p_ < t_.size() && t_[p_] != '\n') {
      const char c = t_[p_];
      if (c == '\\' && (p_ == 0 || t_[p_ - 1] != '\\')) {
        std::size_t n = p_ + 1;
        if (n < t_.size() && t_[n] == '\r') ++n;
        if (n < t_.size() && t_[n] == '\n') {  // a continuation
          ++line_;
          p_ = n + 1;
          continue;
        }
      }
      l.chars += c;
      l.at.push_back(p_);
      ++p_;
    }
    std::size_t n = l.chars.size();
    while (n > 0 && is_space(l.chars[n - 1])) --n;
    l.chars.resize(n);
    l.at.resize(n);
    l.raw_end = n > 0 ? l.at[n - 1] + 1 : p_;
    return l;
  }

  // The nodes of one body, up to the `</Name>` that closes `open` (its
  // close and end set) or the end of the file (open == nullptr). prev_end:
  // where the first node's prefix starts; on return, where the last node
  // ended.
  Result<std::vector<ApacheNode>> parse_body(std::size_t& prev_end, int depth, ApacheNode* open) {
    if (depth > kMaxDepth) return fail(line_, "sections nested too deeply");
    std::vector<ApacheNode> nodes;
    while (true) {
      skip_space();
      if (p_ >= t_.size()) {
        if (open != nullptr) return fail(open->line, "<" + open->name() + "> was not closed.");
        return nodes;
      }
      const int line = line_;
      Logical l = read_line();
      // ap_cfg_getline trims the whole logical line, so whitespace after a
      // leading continuation is not part of it either.
      std::size_t lead = 0;
      while (lead < l.chars.size() && is_space(l.chars[lead])) ++lead;
      l.chars.erase(0, lead);
      l.at.erase(l.at.begin(), l.at.begin() + static_cast<std::ptrdiff_t>(lead));
      if (l.chars.empty() || l.chars.front() == '#') continue;  // a comment: part of the next prefix
      const std::size_t start = l.at.front();  // its first character (past any continuation)
      if (l.chars.starts_with("</")) {
        std::string name = l.chars.substr(2);
        const bool closed = name.ends_with('>');
        if (closed) name.pop_back();
        if (!closed || name.empty() || name.find_first_of(" \t\f\v<>") != std::string::npos) {
          return fail(line, "</" + name.substr(0, name.find_first_of(" \t\f\v<>")) +
                                "> directive missing closing '>'");
        }
        if (open == nullptr) return fail(line, "</" + name + "> without matching <" + name + "> section");
        if (!iequals(name, open->name())) return fail(line, "Expected </" + open->name() + "> but saw </" + name + ">");
        open->close = start;
        open->end = l.raw_end;
        return nodes;
      }
      ApacheNode node;
      node.prefix_begin = prev_end;
      node.start = start;
      node.line = line;
      if (l.chars.front() == '<') {
        node.is_section = true;
        const std::size_t gt = l.chars.rfind('>');
        std::size_t name_end = 1;
        while (name_end < l.chars.size() && !is_space(l.chars[name_end]) && l.chars[name_end] != '>') ++name_end;
        const std::string name = l.chars.substr(1, name_end - 1);
        if (gt == std::string::npos) return fail(line, "<" + name + "> directive missing closing '>'");
        if (name.empty()) return fail(line, "a section without a name");
        ApacheWord n{.value = name, .quoted = false, .begin = l.at[1], .end = l.at[name_end - 1] + 1};
        node.words.push_back(std::move(n));
        for (auto& w : words_of(l, std::min(name_end, gt), gt)) node.words.push_back(std::move(w));
        node.open_end = l.raw_end;
        std::size_t inner_end = node.open_end;
        ACMEKIT_TRY(node.children, parse_body(inner_end, depth + 1, &node));
      } else {
        node.words = words_of(l, 0, l.chars.size());
        node.end = l.raw_end;
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

void serialize_node(const std::string& t, const ApacheNode& n, std::string& out) {
  if (!n.is_section) {
    out.append(t, n.prefix_begin, n.end - n.prefix_begin);
    return;
  }
  out.append(t, n.prefix_begin, n.open_end - n.prefix_begin);
  for (const auto& c : n.children) serialize_node(t, c, out);
  out.append(t, n.close_prefix_begin(), n.end - n.close_prefix_begin());
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool ApacheNode::is(std::string_view n) const { return iequals(name(), n); }

std::vector<const ApacheNode*> ApacheFile::find(const ApacheNode* section, std::string_view name) const {
  std::vector<const ApacheNode*> out;
  for (const auto& n : section ? section->children : nodes) {
    if (n.is(name)) out.push_back(&n);
  }
  return out;
}

Result<ApacheFile> parse_apache_config(std::string path, std::string text) {
  ApacheFile file;
  file.path = std::move(path);
  file.text = std::move(text);
  Parser parser(file.path, file.text);
  ACMEKIT_CHECK(parser.parse(file));
  return file;
}

Result<ApacheFile> load_apache_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return make_error(ErrorKind::kIo, "cannot open " + path);
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return make_error(ErrorKind::kIo, "cannot read " + path);
  return parse_apache_config(path, std::move(s).str());
}

std::string serialize(const ApacheFile& file) {
  std::string out;
  out.reserve(file.text.size());
  for (const auto& n : file.nodes) serialize_node(file.text, n, out);
  out.append(file.text, file.tail_begin);
  return out;
}

Result<std::string> apache_word(std::string_view value) {
  if (value.find("${") != std::string_view::npos) {
    return make_error(ErrorKind::kInvalidArgument, "a value with \"${\" would be read by httpd as a variable");
  }
  if (value.find_first_of("\r\n") != std::string_view::npos) {
    return make_error(ErrorKind::kInvalidArgument, "a value with a line break cannot be one httpd word");
  }
  bool plain = !value.empty() && value.front() != '#' && value.front() != '<';
  for (const char c : value) {
    if (is_space(c) || c == '"' || c == '\'' || c == '\\' || c == '>') plain = false;
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
