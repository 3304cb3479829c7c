#include "cli/docgen/man_page.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace acmekit::docgen {
namespace {

bool is_indented(const std::string& line) { return line.starts_with("  "); }

// A footer heading: a line at column 0 in capitals ("EXIT STATUS",
// "CONFIG FILE (TOML; ...)"): the capitals, and what follows in brackets.
bool heading_of(const std::string& line, std::string& heading, std::string& rest) {
  if (line.empty() || !std::isupper(static_cast<unsigned char>(line[0]))) return false;
  const auto paren = line.find(" (");
  heading = line.substr(0, paren);
  for (char c : heading) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
  }
  if (heading.size() < 4) return false;
  rest = paren == std::string::npos ? "" : line.substr(paren + 2, line.size() - paren - 3);
  return true;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  while (!out.empty() && out.front().empty()) out.erase(out.begin());
  while (!out.empty() && out.back().empty()) out.pop_back();
  return out;
}

// A --help footer as roff. Headings become .SH (top level) or a bold
// paragraph title (inside a command's .SS); indented lines are kept as
// they are (examples, tables); other lines are filled paragraphs.
void render_footer(std::ostringstream& out, const std::string& footer, bool top_level) {
  const auto lines = lines_of(footer);
  bool in_block = false, in_paragraph = false;
  auto end_block = [&] {
    if (in_block) out << ".fi\n.RE\n";
    in_block = false;
  };
  for (const auto& line : lines) {
    std::string heading, rest;
    if (line.empty()) {
      end_block();
      in_paragraph = false;
      continue;
    }
    if (heading_of(line, heading, rest)) {
      end_block();
      if (top_level) {
        out << ".SH \"" << roff_escape(heading) << "\"\n";
        if (!rest.empty()) out << roff_escape(rest) << ".\n";
      } else {
        out << ".PP\n\\fB" << roff_escape(heading) << "\\fR" << (rest.empty() ? "" : " (" + roff_escape(rest) + ")")
            << "\n";
      }
      in_paragraph = false;
      continue;
    }
    if (is_indented(line)) {
      if (!in_block) {
        out << ".RS 2\n.nf\n";
        in_block = true;
      }
      out << roff_escape(line.substr(2)) << "\n";
      in_paragraph = false;
      continue;
    }
    end_block();
    if (!in_paragraph) {
      out << ".PP\n";
      in_paragraph = true;
    }
    out << roff_escape(line) << "\n";
  }
  end_block();
}

std::string option_heading(const OptionDoc& o) {
  std::string h;
  for (std::size_t i = 0; i < o.names.size(); ++i) {
    if (i) h += ", ";
    h += (o.positional ? "\\fI" : "\\fB") + roff_escape(o.names[i]) + "\\fR";
  }
  if (!o.takes_value || o.positional) return h;
  h += " ";
  if (!o.choices.empty()) {
    for (std::size_t i = 0; i < o.choices.size(); ++i) {
      if (i) h += " | ";  // spaces: a long list of choices wraps, and each line can be adjusted
      h += "\\fB\\%" + roff_escape(o.choices[i]) + "\\fR";  // \% : a choice is never hyphenated
    }
  } else {
    h += "\\fI" + roff_escape(o.value_name.empty() ? "VALUE" : o.value_name) + "\\fR";
  }
  return h;
}

// A sentence ends with a full stop.
std::string sentence(const std::string& text) {
  std::string s = roff_escape(text);
  if (!text.empty() && text.back() != '.') s += ".";
  return s;
}

bool is_help(const OptionDoc& o) {
  return std::find(o.names.begin(), o.names.end(), "--help") != o.names.end();
}

void render_options(std::ostringstream& out, const std::vector<OptionDoc>& options, bool with_help) {
  for (const auto& o : options) {
    if (!with_help && is_help(o)) continue;
    out << ".TP\n" << option_heading(o) << "\n" << sentence(o.help);
    if (!o.default_value.empty()) out << " Default: \\fB" << roff_escape(o.default_value) << "\\fR.";
    if (o.repeatable && !o.positional) out << " May be given more than once.";
    if (!o.env.empty()) out << " Also set by \\fB" << roff_escape(o.env) << "\\fR.";
    out << "\n";
  }
}

// What a command takes, for its .SS line: "acmekit certonly [OPTIONS]".
std::string synopsis(const std::string& program, const CommandDoc& c) {
  std::string s = command_line(program, c);
  for (const auto& o : c.options) {
    if (o.positional) s += " " + o.names.front() + "...";
  }
  if (!c.subcommands.empty()) s += " COMMAND";
  return s + " [OPTIONS]";
}

void render_command(std::ostringstream& out, const std::string& program, const CommandDoc& c) {
  const bool has_options =
      std::any_of(c.options.begin(), c.options.end(), [](const OptionDoc& o) { return !is_help(o); });
  if (c.subcommands.empty() || has_options || !c.footer.empty()) {
    out << ".SS \"" << roff_escape(synopsis(program, c)) << "\"\n";
    out << sentence(c.description) << "\n";
    if (c.inherits_options) out << "The common options (OPTIONS above) apply too.\n";
    render_options(out, c.options, false);
    render_footer(out, c.footer, false);
  }
  for (const auto& sub : c.subcommands) render_command(out, program, sub);
}

// Every command that runs something (not "eab" but "eab add"), one line each.
void list_commands(std::ostringstream& out, const CommandDoc& c) {
  for (const auto& sub : c.subcommands) {
    if (sub.subcommands.empty()) {
      out << ".TP\n.B \"" << roff_escape(command_line("", sub).substr(1)) << "\"\n"
          << roff_escape(sub.description) << "\n";
    }
    list_commands(out, sub);
  }
}

std::string upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::string roff_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '\\': out += "\\e"; break;
      case '-': out += "\\-"; break;
      case '\'': out += "\\(aq"; break;
      case '`': out += "\\(ga"; break;
      case '"': out += "\\(dq"; break;
      default: out += c;
    }
  }
  // A line that starts with '.' or '\'' is a request to roff.
  if (out.starts_with(".")) out.insert(0, "\\&");
  return out;
}

std::string render_man_page(const CommandDoc& program, const ManPageInfo& info) {
  std::ostringstream out;
  out << ".\\\" Written by acmekit-docgen from " << info.program
      << "'s command line (src/cli/*/app.cc); do not edit.\n";
  out << ".TH \"" << upper(info.program) << "\" \"" << info.section << "\" \"" << info.date << "\" \""
      << info.program << " " << info.version << "\" \"" << info.manual << "\"\n";
  // The program's one-line description, without its "name: " prefix.
  std::string summary = program.description;
  if (summary.starts_with(info.program + ": ")) summary.erase(0, info.program.size() + 2);
  out << ".SH NAME\n" << roff_escape(info.program) << " \\- " << roff_escape(summary) << "\n";
  out << ".SH SYNOPSIS\n.B " << roff_escape(info.program)
      << "\n[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fICOMMAND OPTIONS\\fR]\n";
  out << ".SH DESCRIPTION\n";
  for (std::size_t i = 0; i < info.description.size(); ++i) {
    if (i) out << ".PP\n";
    out << roff_escape(info.description[i]) << "\n";
  }
  out << ".SH COMMANDS\n";
  list_commands(out, program);
  out << ".SH OPTIONS\nThe options every command takes:\n";
  render_options(out, program.options, true);
  out << ".SH \"COMMANDS IN DETAIL\"\n";
  for (const auto& c : program.subcommands) render_command(out, info.program, c);
  render_footer(out, program.footer, true);
  if (!info.see_also.empty()) {
    out << ".SH \"SEE ALSO\"\n";
    for (std::size_t i = 0; i < info.see_also.size(); ++i) {
      const auto& ref = info.see_also[i];
      const auto paren = ref.find('(');
      out << ".BR " << roff_escape(ref.substr(0, paren)) << " " << ref.substr(paren)
          << (i + 1 < info.see_also.size() ? " ," : "") << "\n";
    }
  }
  return out.str();
}

}  // namespace acmekit::docgen
