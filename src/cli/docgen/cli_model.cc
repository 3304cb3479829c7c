#include "cli/docgen/cli_model.h"

namespace acmekit::docgen {
namespace {

// Where CLI11's type name ends and its validators' descriptions begin in
// get_type_name(): "TEXT:{ecdsa,rsa}", "SECONDS:INT in [0 - 86400]",
// "SECONDS:POSITIVE", but "HOST[:PORT]" and "ADDR:PORT" are one name. A
// validator's text starts with '{', has a space, or is one of CLI11's
// one-word descriptions.
std::size_t validators_start(const std::string& full) {
  for (auto colon = full.find(':'); colon != std::string::npos; colon = full.find(':', colon + 1)) {
    const std::string rest = full.substr(colon + 1);
    const std::string word = rest.substr(0, rest.find(':'));
    if (rest.starts_with("{") || word.find(' ') != std::string::npos || word == "POSITIVE" ||
        word == "NONNEGATIVE" || word == "NUMBER") {
      return colon;
    }
  }
  return std::string::npos;
}

void split_type_name(const std::string& full, OptionDoc& out) {
  const auto end = validators_start(full);
  out.value_name = full.substr(0, end);
  if (end == std::string::npos) return;
  const auto open = full.find(":{", end);
  const auto close = open == std::string::npos ? std::string::npos : full.find('}', open);
  if (close == std::string::npos) return;
  const std::string set = full.substr(open + 2, close - open - 2);
  std::size_t start = 0;
  while (start <= set.size()) {
    const auto comma = set.find(',', start);
    const auto item = set.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.choices.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  out.value_name.clear();
}

OptionDoc describe_option(const CLI::Option& o) {
  OptionDoc d;
  d.positional = o.get_positional();
  if (d.positional) {
    d.names.push_back(o.get_name(true, false));
  } else {
    for (const auto& s : o.get_snames()) d.names.push_back("-" + s);
    for (const auto& l : o.get_lnames()) d.names.push_back("--" + l);
  }
  d.takes_value = o.get_expected_max() > 0;  // a flag expects nothing
  if (d.takes_value) split_type_name(o.get_type_name(), d);
  d.help = o.get_description();
  d.default_value = o.get_default_str();
  if (d.default_value == "[]" || d.default_value == "\"\"") d.default_value.clear();
  d.env = o.get_envname();
  d.repeatable = d.takes_value && o.get_expected_max() > 1;
  return d;
}

CommandDoc describe_command(const CLI::App& app, std::vector<std::string> path, const std::string& parent_footer) {
  CommandDoc c;
  c.path = std::move(path);
  c.description = app.get_description();
  // A subcommand without a footer of its own shows its parent's in --help.
  c.footer = app.get_footer();
  if (c.footer == parent_footer) c.footer.clear();
  c.inherits_options = app.get_fallthrough();
  // Options in a group named "" are hidden from --help: hidden here too.
  for (const CLI::Option* o : app.get_options([](const CLI::Option* o) { return !o->get_group().empty(); })) {
    c.options.push_back(describe_option(*o));
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App* a) { return !a->get_name().empty(); })) {
    auto sub_path = c.path;
    sub_path.push_back(sub->get_name());
    c.subcommands.push_back(describe_command(*sub, std::move(sub_path), app.get_footer()));
  }
  return c;
}

}  // namespace

CommandDoc describe(const CLI::App& app) { return describe_command(app, {}, ""); }

std::string command_line(const std::string& program, const CommandDoc& command) {
  std::string line = program;
  for (const auto& p : command.path) line += " " + p;
  return line;
}

}  // namespace acmekit::docgen
