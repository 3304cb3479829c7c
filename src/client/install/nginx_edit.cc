#include "client/install/nginx_edit.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "client/install/nginx_servers.h"

namespace acmekit::client::install {
namespace {

// Replace [pos, pos + len) with text.
struct Splice {
  std::size_t pos;
  std::size_t len;
  std::string text;
};

std::string apply(std::string text, std::vector<Splice> splices) {
  // From the back, so earlier offsets stay true; at one offset a removal
  // before an insertion, so it does not take the inserted text.
  std::sort(splices.begin(), splices.end(), [](const Splice& a, const Splice& b) {
    return a.pos != b.pos ? a.pos > b.pos : a.len > b.len;
  });
  for (const auto& s : splices) text.replace(s.pos, s.len, s.text);
  return text;
}

// The whitespace from the start of pos's line to pos, when only whitespace
// lies there.
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

// The file's line break: CR LF when it uses them.
std::string newline(std::string_view text) { return text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n"; }

// Where the block's new last directive goes: after its last directive (or
// its `{`) and a comment on the rest of that line (which stays with it),
// before the lines that precede `}`.
std::size_t append_point(std::string_view text, const Node& block) {
  std::size_t p = block.close_prefix_begin();
  std::size_t e = p;
  while (e < text.size() && (text[e] == ' ' || text[e] == '\t')) ++e;
  if (e < text.size() && text[e] == '#') {
    const std::size_t hash = e;
    while (e < text.size() && text[e] != '\n') ++e;  // nginx ends a comment at LF only (a lone CR is in it)
    if (e == text.size()) return p;
    if (e > hash + 1 && text[e - 1] == '\r') --e;  // before its CR LF
    return e;
  }
  return e < text.size() && (text[e] == '\r' || text[e] == '\n') ? e : p;
}

Splice append_lines(std::string_view text, const Node& block, const std::string& indent,
                    const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += newline(text) + indent + l;
  return Splice{append_point(text, block), 0, std::move(out)};
}

// A directive taken out: its whole line when it stands alone on it (a
// comment after it on that line goes with it), else just its bytes and the
// whitespace before them.
Splice remove_directive(std::string_view text, const Node& n) {
  if (line_indent(text, n.start)) {
    std::size_t line_begin = n.start;
    while (line_begin > 0 && text[line_begin - 1] != '\n') --line_begin;
    std::size_t e = n.end;
    while (e < text.size() && (text[e] == ' ' || text[e] == '\t')) ++e;
    if (e < text.size() && text[e] == '#') {
      while (e < text.size() && text[e] != '\n') ++e;
    }
    if (e + 1 < text.size() && text[e] == '\r' && text[e + 1] == '\n') ++e;
    if (e >= text.size() || text[e] == '\n') {
      if (e < text.size()) ++e;
      return Splice{line_begin, e - line_begin, ""};
    }
  }
  return Splice{n.prefix_begin, n.end - n.prefix_begin, ""};
}

bool is_https_redirect(const Node& n) {
  return !n.is_block && n.name() == "return" && n.arg_count() >= 2 && n.arg(0) == "301" &&
         n.arg(1).starts_with("https://");
}

// A redirect to https directly in the block or in one of its `if` blocks.
const Node* find_redirect(const Node& block) {
  for (const auto& c : block.children) {
    if (is_https_redirect(c)) return &c;
    if (c.is_block && c.name() == "if") {
      for (const auto& d : c.children) {
        if (is_https_redirect(d)) return &c;
      }
    }
  }
  return nullptr;
}

Result<std::string> directive(std::string_view name, std::string_view value) {
  ACMEKIT_TRY(std::string word, nginx_word(value));
  return std::string(name) + " " + word + ";";
}

Result<std::string> set_certificate_with(const ConfigFile& file, const Node& server, const CertificatePaths& paths,
                                         const std::string& indent) {
  std::vector<Splice> splices;
  std::vector<std::string> missing;
  for (const auto& [name, value] : {std::pair<std::string_view, const std::string&>{"ssl_certificate", paths.certificate},
                                    {"ssl_certificate_key", paths.key}}) {
    ACMEKIT_TRY(std::string word, nginx_word(value));
    const auto found = file.find(&server, name);
    if (found.empty()) {
      missing.push_back(std::string(name) + " " + word + ";");
    } else if (found.front()->arg_count() >= 1) {
      const Word& w = found.front()->words[1];
      if (w.value != value) splices.push_back(Splice{w.begin, w.end - w.begin, word});
    } else {
      return make_error(ErrorKind::kInvalidArgument,
                        file.path + ":" + std::to_string(found.front()->line) + ": " + std::string(name) + " without a path");
    }
  }
  if (!missing.empty()) splices.push_back(append_lines(file.text, server, indent, missing));
  return apply(file.text, std::move(splices));
}

}  // namespace

std::string child_indent(const ConfigFile& file, const Node& block) {
  for (const auto& c : block.children) {
    // The first directive on a line of its own sets the indentation.
    if (auto ind = line_indent(file.text, c.start)) return *ind;
    break;
  }
  return line_indent(file.text, block.start).value_or("") + indent_unit(file.text);
}

Result<std::string> set_certificate(const ConfigFile& file, const Node& server, const CertificatePaths& paths) {
  return set_certificate_with(file, server, paths, child_indent(file, server));
}

Result<std::string> add_https_server(const ConfigFile& file, const Node& http_server, const CertificatePaths& paths,
                                     int https_port) {
  const ServerBlock described = describe_server(file, http_server);
  const std::string where = file.path + ":" + std::to_string(http_server.line);
  if (described.serves_https()) {
    return make_error(ErrorKind::kFailedPrecondition, where + ": the server block already serves HTTPS");
  }
  const std::string indent = child_indent(file, http_server);
  const std::string port = std::to_string(https_port);
  std::vector<std::string> listens{"listen " + port + " ssl;"};
  if (described.listens_ipv6()) listens.push_back("listen [::]:" + port + " ssl;");

  // The copy, parsed on its own: its listens replaced, a redirect dropped.
  ACMEKIT_TRY(ConfigFile copy, parse_config("(copy of the server block at " + where + ")",
                                            file.text.substr(http_server.start, http_server.end - http_server.start)));
  const Node& block = copy.nodes.front();
  std::vector<Splice> splices;
  bool placed = false;
  for (const auto& c : block.children) {
    if (!c.is_block && c.name() == "listen") {
      if (!placed) {
        std::string text = listens.front();
        for (std::size_t i = 1; i < listens.size(); ++i) {
          text += newline(copy.text) + line_indent(copy.text, c.start).value_or(indent) + listens[i];
        }
        splices.push_back(Splice{c.start, c.end - c.start, std::move(text)});
        placed = true;
      } else {
        splices.push_back(remove_directive(copy.text, c));
      }
    }
  }
  if (const Node* redirect = find_redirect(block)) splices.push_back(remove_directive(copy.text, *redirect));
  if (!placed) {
    std::string text;
    for (const auto& l : listens) text += newline(file.text) + indent + l;
    splices.push_back(Splice{block.body_begin, 0, std::move(text)});
  }
  ACMEKIT_TRY(ConfigFile edited, parse_config(copy.path, apply(copy.text, std::move(splices))));
  ACMEKIT_TRY(std::string twin, set_certificate_with(edited, edited.nodes.front(), paths, indent));

  const std::string block_indent = line_indent(file.text, http_server.start).value_or("");
  const std::string nl = newline(file.text);
  return apply(file.text, {Splice{http_server.end, 0, nl + nl + block_indent + twin}});
}

Result<std::string> add_redirect(const ConfigFile& file, const Node& http_server) {
  if (find_redirect(http_server)) return file.text;
  const ServerBlock described = describe_server(file, http_server);
  const std::string indent = child_indent(file, http_server);
  const std::string redirect = "return 301 https://$host$request_uri;";
  if (!described.serves_https()) return apply(file.text, {append_lines(file.text, http_server, indent, {redirect})});
  const std::string inner = indent + indent_unit(file.text);
  const std::string nl = newline(file.text);
  return apply(file.text, {append_lines(file.text, http_server, indent,
                                        {"if ($scheme != \"https\") {" + nl + inner + redirect + nl + indent + "}"})});
}

Result<std::string> add_hsts(const ConfigFile& file, const Node& https_server) {
  for (const Node* h : file.find(&https_server, "add_header")) {
    if (h->arg_count() >= 1) {
      std::string name = h->arg(0);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      if (name == "strict-transport-security") return file.text;
    }
  }
  return apply(file.text, {append_lines(file.text, https_server, child_indent(file, https_server),
                                        {"add_header Strict-Transport-Security \"max-age=31536000\" always;"})});
}

Result<std::string> add_include(const ConfigFile& file, const Node& block, std::string_view path) {
  for (const Node* n : file.find(&block, "include")) {
    if (n->arg_count() == 1 && n->arg(0) == path) return file.text;
  }
  ACMEKIT_TRY(std::string line, directive("include", path));
  return apply(file.text, {append_lines(file.text, block, child_indent(file, block), {line})});
}

Result<std::string> add_include_first(const ConfigFile& file, const Node& block, std::string_view path) {
  for (const Node* n : file.find(&block, "include")) {
    if (n->arg_count() == 1 && n->arg(0) == path) return file.text;
  }
  ACMEKIT_TRY(std::string line, directive("include", path));
  return apply(file.text, {Splice{block.body_begin, 0, newline(file.text) + child_indent(file, block) + line}});
}

Result<std::string> remove_include(const ConfigFile& file, std::string_view path) {
  std::vector<Splice> splices;
  const auto visit = [&](const auto& self, const std::vector<Node>& nodes) -> void {
    for (const auto& n : nodes) {
      if (n.is_block) {
        self(self, n.children);
      } else if (n.name() == "include" && n.arg_count() == 1 && n.arg(0) == path) {
        // Exactly what add_include inserted: the line break and indentation
        // before it, then the directive (a comment before the break stays).
        std::size_t from = n.prefix_begin;
        const auto nl = std::string_view(file.text).substr(n.prefix_begin, n.start - n.prefix_begin).rfind('\n');
        if (nl != std::string_view::npos) {
          from = n.prefix_begin + nl;
          if (from > n.prefix_begin && file.text[from - 1] == '\r') --from;
        }
        splices.push_back(Splice{from, n.end - from, ""});
      }
    }
  };
  visit(visit, file.nodes);
  return apply(file.text, std::move(splices));
}

}  // namespace acmekit::client::install
