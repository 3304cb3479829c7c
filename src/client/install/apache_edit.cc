#include "client/install/apache_edit.h"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "client/install/apache_vhosts.h"
#include "client/install/text_splice.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

std::string where(const ApacheFile& file, const ApacheNode& n) { return file.path + ":" + std::to_string(n.line); }

// Whether text ends in a line continuation: `[^\\]\\[\r]\n`, as ap_cfg_getline
// (and parse_apache_config) match it.
bool ends_in_continuation(std::string_view text) {
  if (!text.ends_with('\n')) return false;
  text.remove_suffix(1);
  if (text.ends_with('\r')) text.remove_suffix(1);
  return text.ends_with('\\') && !text.substr(0, text.size() - 1).ends_with('\\');
}

// Just past the line break that ends the logical line `pos` is in (a
// continuation's line break does not end it), or npos on the file's last
// line.
std::size_t after_logical_line(std::string_view text, std::size_t pos) {
  for (auto nl = text.find('\n', pos); nl != std::string_view::npos; nl = text.find('\n', nl + 1)) {
    if (!ends_in_continuation(text.substr(0, nl + 1))) return nl + 1;
  }
  return std::string_view::npos;
}

// New directives go in as whole lines, after the logical line `pos` ends
// (a node's end). A line break put right after a line's trailing `\` (or
// `\` CR) would join the lines (ap_cfg_getline continues `\[\r]\n`); a
// whole line leaves the lines before it byte for byte as they were.
Splice insert_lines(std::string_view text, std::size_t pos, const std::string& indent,
                    const std::vector<std::string>& lines) {
  const std::string br = line_break(text);
  std::string out;
  const auto at = after_logical_line(text, pos);
  if (at == std::string_view::npos) {  // the file's last line
    for (const auto& l : lines) out += br + indent + l;
    return Splice{text.size(), 0, std::move(out)};
  }
  for (const auto& l : lines) out += indent + l + br;
  return Splice{at, 0, std::move(out)};
}

// A section's new last directives: after its last child (or its opening
// line), before any comments that precede its closing line.
Splice append_lines(std::string_view text, const ApacheNode& section, const std::string& indent,
                    const std::vector<std::string>& lines) {
  return insert_lines(text, section.close_prefix_begin(), indent, lines);
}

// A directive's whole lines taken out (every directive stands on lines of
// its own): from the start of its first line through its last line break.
// One that starts after a continuation (the line before ends in `\`) loses
// only its own bytes: taking its line would join the lines around it.
Splice remove_lines(std::string_view text, const ApacheNode& n) {
  std::size_t b = n.start;
  while (b > 0 && text[b - 1] != '\n') --b;
  if (ends_in_continuation(text.substr(0, b))) return Splice{n.start, n.end - n.start, ""};
  const std::size_t e = std::min(after_logical_line(text, n.end), text.size());
  return Splice{b, e - b, ""};
}

// The directives that apply to the vhost as a whole: its children and those
// of conditional sections in it (as apache_vhosts reads names).
void directives_of(const ApacheNode& section, std::vector<const ApacheNode*>& out) {
  for (const auto& c : section.children) {
    if (!c.is_section) {
      out.push_back(&c);
    } else if (c.is("IfModule") || c.is("IfDefine") || c.is("IfVersion")) {
      directives_of(c, out);
    }
  }
}

bool is_https_rewrite(const ApacheNode& n) {
  return !n.is_section && n.is("RewriteRule") && n.arg_count() >= 2 && n.arg(1).starts_with("https://");
}

bool is_https_redirect(const ApacheNode& n) {
  if (n.is_section || !(n.is("Redirect") || n.is("RedirectPermanent") || n.is("RedirectMatch"))) return false;
  for (std::size_t i = 0; i < n.arg_count(); ++i) {
    if (n.arg(i).starts_with("https://")) return true;
  }
  return false;
}

// "host[:port]" -> host (brackets of IPv6 kept), as apache_vhosts parses it.
std::string address_host(const std::string& arg) {
  const auto bracket = arg.rfind(']');
  const auto colon = arg.rfind(':');
  if (colon != std::string::npos && (bracket != std::string::npos ? colon > bracket : arg.find(':') == colon)) {
    return arg.substr(0, colon);
  }
  return arg;
}

bool is_ip_host(const std::string& host) {
  if (host.starts_with('[')) return true;
  return !host.empty() && host.find_first_not_of("0123456789.") == std::string::npos;
}

Result<std::string> read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return make_error(ErrorKind::kNotFound, "cannot open " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string child_indent(const ApacheFile& file, const ApacheNode& section) {
  for (const auto& c : section.children) {
    if (auto ind = line_indent(file.text, c.start)) return *ind;
    break;
  }
  return line_indent(file.text, section.start).value_or("") + indent_unit(file.text);
}

Result<std::string> set_certificate(const ApacheFile& file, const ApacheNode& vhost, const CertificatePaths& paths) {
  std::vector<Splice> splices;
  std::vector<std::string> missing;
  for (const auto& [name, value] : {std::pair<std::string_view, const std::string&>{"SSLCertificateFile", paths.certificate},
                                    {"SSLCertificateKeyFile", paths.key}}) {
    ACMEKIT_TRY(std::string word, apache_word(value));
    const auto found = file.find(&vhost, name);
    if (found.empty()) {
      missing.push_back(std::string(name) + " " + word);
    } else if (found.front()->arg_count() >= 1) {
      const ApacheWord& w = found.front()->words[1];
      if (w.value != value) splices.push_back(Splice{w.begin, w.end - w.begin, word});
    } else {
      return make_error(ErrorKind::kInvalidArgument, where(file, *found.front()) + ": " + std::string(name) + " without a path");
    }
  }
  for (const ApacheNode* chain : file.find(&vhost, "SSLCertificateChainFile")) {
    splices.push_back(remove_lines(file.text, *chain));
  }
  if (!missing.empty()) splices.push_back(append_lines(file.text, vhost, child_indent(file, vhost), missing));
  return apply_splices(file.text, std::move(splices));
}

std::string ssl_vhost_path(std::string_view path) {
  std::string p(path);
  if (p.ends_with(".conf")) p.resize(p.size() - 5);
  return p + "-le-ssl.conf";
}

Result<std::string> https_vhost_text(const ApacheFile& file, const ApacheNode& http_vhost,
                                     const CertificatePaths& paths, int https_port) {
  const VirtualHost described = describe_vhost(file, http_vhost);
  if (described.ssl) {
    return make_error(ErrorKind::kFailedPrecondition, where(file, http_vhost) + ": the virtual host already has SSLEngine on");
  }
  if (http_vhost.arg_count() == 0) {
    return make_error(ErrorKind::kInvalidArgument, where(file, http_vhost) + ": <VirtualHost> without an address");
  }
  // The copy, parsed on its own: its addresses on the HTTPS port, its
  // redirect to https dropped, SSLEngine on.
  ACMEKIT_TRY(ApacheFile copy, parse_apache_config("(copy of the virtual host at " + where(file, http_vhost) + ")",
                                                   file.text.substr(http_vhost.start, http_vhost.end - http_vhost.start)));
  const ApacheNode& v = copy.nodes.front();
  std::string addresses;
  for (std::size_t i = 0; i < v.arg_count(); ++i) {
    ACMEKIT_TRY(std::string word, apache_word(address_host(v.arg(i)) + ":" + std::to_string(https_port)));
    addresses += (i == 0 ? "" : " ") + word;
  }
  std::vector<Splice> splices{Splice{v.words[1].begin, v.words.back().end - v.words[1].begin, addresses}};
  std::vector<const ApacheNode*> directives;
  directives_of(v, directives);
  for (std::size_t i = 0; i < directives.size(); ++i) {
    const ApacheNode& d = *directives[i];
    if (is_https_redirect(d)) splices.push_back(remove_lines(copy.text, d));
    if (!is_https_rewrite(d)) continue;
    splices.push_back(remove_lines(copy.text, d));
    // The RewriteCond lines right before a rule are its conditions.
    for (std::size_t j = i; j > 0 && directives[j - 1]->is("RewriteCond"); --j) {
      splices.push_back(remove_lines(copy.text, *directives[j - 1]));
    }
  }
  const std::string indent = child_indent(copy, v);
  splices.push_back(append_lines(copy.text, v, indent, {"SSLEngine on"}));
  ACMEKIT_TRY(ApacheFile edited, parse_apache_config(copy.path, apply_splices(copy.text, std::move(splices))));
  ACMEKIT_TRY(std::string twin, set_certificate(edited, edited.nodes.front(), paths));
  const std::string nl = line_break(file.text);
  return "<IfModule mod_ssl.c>" + nl + twin + nl + "</IfModule>" + nl;
}

std::vector<std::string> missing_listens(const ApacheConfig& config, const ApacheNode& http_vhost, int https_port) {
  struct L {
    std::string host;
    int port;
  };
  std::vector<L> listens;
  for (const auto& ref : config.collect("Listen")) {
    if (ref.node->is_section || ref.node->arg_count() == 0) continue;
    const std::string arg = config.expand(ref.node->arg(0));
    const auto colon = arg.rfind(':');
    const bool bare = colon == std::string::npos || (arg.starts_with('[') && arg.back() == ']');
    const std::string host = bare ? "" : arg.substr(0, colon);
    const std::string port = bare ? arg : arg.substr(colon + 1);
    listens.push_back({host == "0.0.0.0" || host == "[::]" ? "" : host, std::atoi(port.c_str())});
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < http_vhost.arg_count(); ++i) {
    const std::string host = address_host(config.expand(http_vhost.arg(i)));
    const std::string need_host = is_ip_host(host) ? host : "";
    const bool covered = std::any_of(listens.begin(), listens.end(), [&](const L& l) {
      return l.port == https_port && (l.host.empty() || l.host == need_host);
    });
    const std::string value = (need_host.empty() ? "" : need_host + ":") + std::to_string(https_port);
    if (!covered && std::find(out.begin(), out.end(), value) == out.end()) out.push_back(value);
  }
  // A bare port covers every address: it alone suffices.
  if (std::find(out.begin(), out.end(), std::to_string(https_port)) != out.end()) return {std::to_string(https_port)};
  return out;
}

Result<std::string> add_listens(const ApacheFile& file, const std::vector<std::string>& values) {
  std::vector<std::string> lines;
  for (const auto& v : values) {
    ACMEKIT_TRY(std::string word, apache_word(v));
    lines.push_back("Listen " + word);
  }
  return append_top_level(file, lines);
}

std::string append_top_level(const ApacheFile& file, const std::vector<std::string>& lines) {
  if (lines.empty()) return file.text;
  const std::string nl = line_break(file.text);
  std::string text;
  if (file.nodes.empty()) {
    for (const auto& l : lines) text += l + nl;
    return text + file.text;
  }
  // After the last top-level node: the line break that ended it follows.
  for (const auto& l : lines) text += nl + l;
  return apply_splices(file.text, {Splice{file.nodes.back().end, 0, text}});
}

Result<std::string> add_redirect(const ApacheFile& file, const ApacheNode& http_vhost,
                                 const std::vector<std::string>& names, int https_port) {
  std::vector<const ApacheNode*> directives;
  directives_of(http_vhost, directives);
  for (const ApacheNode* d : directives) {
    if (is_https_rewrite(*d) || is_https_redirect(*d)) return file.text;
  }
  std::vector<std::string> lines{"RewriteEngine on"};
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].find_first_of(" \t\"'\\") != std::string::npos) {
      return make_error(ErrorKind::kInvalidArgument, "a host name with a space, quote or backslash");
    }
    lines.push_back("RewriteCond %{SERVER_NAME} =" + names[i] + (i + 1 < names.size() ? " [OR]" : ""));
  }
  const std::string port = https_port == 443 ? "" : ":" + std::to_string(https_port);
  lines.push_back("RewriteRule ^ https://%{SERVER_NAME}" + port + "%{REQUEST_URI} [END,NE,R=permanent]");
  return apply_splices(file.text, {append_lines(file.text, http_vhost, child_indent(file, http_vhost), lines)});
}

Result<std::string> add_hsts(const ApacheFile& file, const ApacheNode& https_vhost) {
  std::vector<const ApacheNode*> directives;
  directives_of(https_vhost, directives);
  for (const ApacheNode* d : directives) {
    if (!d->is("Header")) continue;
    for (std::size_t i = 0; i < d->arg_count(); ++i) {
      if (iequals(d->arg(i), "Strict-Transport-Security")) return file.text;
    }
  }
  return apply_splices(file.text, {append_lines(file.text, https_vhost, child_indent(file, https_vhost),
                                                {"Header always set Strict-Transport-Security \"max-age=31536000\""})});
}

Result<std::string> add_include_first(const ApacheFile& file, const ApacheNode& section, std::string_view path) {
  for (const ApacheNode* n : file.find(&section, "Include")) {
    if (n->arg_count() == 1 && n->arg(0) == path) return file.text;
  }
  ACMEKIT_TRY(std::string word, apache_word(path));
  return apply_splices(file.text, {insert_lines(file.text, section.open_end, child_indent(file, section), {"Include " + word})});
}

Result<std::string> remove_include(const ApacheFile& file, std::string_view path) {
  const std::string_view text = file.text;
  std::vector<Splice> splices;
  const auto visit = [&](const auto& self, const std::vector<ApacheNode>& nodes) -> void {
    for (const auto& n : nodes) {
      if (n.is_section) {
        self(self, n.children);
      } else if (n.is("Include") && n.arg_count() == 1 && n.arg(0) == path) {
        splices.push_back(remove_lines(text, n));  // the whole line add_include_first inserted
      }
    }
  };
  visit(visit, file.nodes);
  return apply_splices(file.text, std::move(splices));
}

Result<FileEdits> enable_modules(const ApacheConfig& config, const std::vector<std::string>& modules) {
  std::set<std::string> loaded;
  for (const auto& ref : config.collect("LoadModule")) {
    if (ref.node->arg_count() >= 1) loaded.insert(ref.node->arg(0));
  }
  const fs::path available = config.server_root() / "mods-available";
  const fs::path enabled = config.server_root() / "mods-enabled";
  FileEdits out;
  std::set<std::string> visited;
  const auto enable = [&](const auto& self, const std::string& name) -> Status {
    if (!visited.insert(name).second) return {};
    ACMEKIT_TRY(std::string load, read_file(available / (name + ".load")));
    ACMEKIT_TRY(ApacheFile parsed, parse_apache_config((available / (name + ".load")).string(), load));
    bool needed = false;
    for (const ApacheNode* lm : parsed.find(nullptr, "LoadModule")) {
      if (lm->arg_count() >= 1 && !loaded.contains(lm->arg(0))) needed = true;
    }
    if (!needed) return {};
    // a2enmod's "# Depends: a b c" line.
    std::istringstream lines(load);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("# Depends:")) continue;
      std::istringstream deps(line.substr(10));
      for (std::string dep; deps >> dep;) ACMEKIT_CHECK(self(self, dep));
    }
    out[(enabled / (name + ".load")).string()] = load;
    if (auto conf = read_file(available / (name + ".conf"))) out[(enabled / (name + ".conf")).string()] = *conf;
    return {};
  };
  for (const auto& m : modules) ACMEKIT_CHECK(enable(enable, m));
  return out;
}

}  // namespace acmekit::client::install
