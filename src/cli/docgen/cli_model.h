// A command line as documentation sees it: commands, their options and
// texts, read from a CLI::App (CLI11's own getters), so the man pages and
// the bash completion list exactly what the parser accepts.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace acmekit::docgen {

struct OptionDoc {
  std::vector<std::string> names;  // "-d", "--domains", "--domain"; a positional's is its name
  bool positional = false;
  bool takes_value = false;  // false: a flag
  std::string value_name;    // "FILE", "DIR", "CERTNAME", ...; empty for a flag or a set of choices
  std::vector<std::string> choices;  // the values CLI::IsMember allows
  std::string help;
  std::string default_value;  // as --help shows it; empty when none
  std::string env;            // an environment variable that sets it
  bool repeatable = false;
};

struct CommandDoc {
  std::vector<std::string> path;  // {} for the program, {"eab", "add"} for `acmekit-ca eab add`
  std::string description;
  std::string footer;  // the --help footer text: paragraphs, indented blocks, CAPS headings
  std::vector<OptionDoc> options;  // this command's own, in declaration order
  bool inherits_options = false;   // the parent's options are accepted here too (fallthrough)
  std::vector<CommandDoc> subcommands;
};

[[nodiscard]] CommandDoc describe(const CLI::App& app);

// "acmekit-ca eab add" for a command of program `program`.
[[nodiscard]] std::string command_line(const std::string& program, const CommandDoc& command);

}  // namespace acmekit::docgen
