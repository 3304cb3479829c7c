#include "cli/docgen/bash_completion.h"

#include <map>
#include <set>
#include <sstream>

namespace acmekit::docgen {
namespace {

// How the value after an option is completed: a line of bash.
std::string value_action(const OptionDoc& o, const std::string& function_prefix) {
  if (!o.takes_value) return "";
  if (!o.choices.empty()) {
    std::string words;
    for (const auto& c : o.choices) words += (words.empty() ? "" : " ") + c;
    return "COMPREPLY=($(compgen -W '" + words + "' -- \"$cur\"))";
  }
  const std::string& v = o.value_name;
  if (v == "FILE") return "_filedir";
  if (v == "DIR") return "_filedir -d";
  if (v == "COMMAND") return "COMPREPLY=($(compgen -c -- \"$cur\"))";
  if (v == "HOST[:PORT]") return "_known_hosts_real -- \"$cur\"";
  if (v == "CERTNAME") return function_prefix + "_certnames";
  return ":";  // free text: nothing to offer
}

void collect(const CommandDoc& c, const std::vector<OptionDoc>& inherited, std::map<std::string, std::string>& actions,
             std::map<std::string, std::string>& conflicts, std::vector<std::pair<const CommandDoc*, std::vector<OptionDoc>>>& all,
             const std::string& prefix) {
  std::vector<OptionDoc> here = c.inherits_options ? inherited : std::vector<OptionDoc>{};
  for (const auto& o : c.options) here.push_back(o);
  for (const auto& o : here) {
    if (o.positional) continue;
    const std::string action = value_action(o, prefix);
    for (const auto& n : o.names) {
      auto [it, fresh] = actions.emplace(n, action);
      if (!fresh && it->second != action) conflicts[n] = action;
    }
  }
  all.emplace_back(&c, here);
  for (const auto& sub : c.subcommands) collect(sub, here, actions, conflicts, all, prefix);
}

std::string path_key(const CommandDoc& c) {
  std::string k;
  for (const auto& p : c.path) k += "/" + p;
  return k;
}

std::string function_name(const std::string& program) {
  std::string f = "_";
  for (char ch : program) f += (ch == '-' ? '_' : ch);
  return f;
}

}  // namespace

Result<std::string> render_bash_completion(const CommandDoc& program, const std::string& name,
                                           const std::string& version) {
  const std::string fn = function_name(name);
  std::map<std::string, std::string> actions, conflicts;
  std::vector<std::pair<const CommandDoc*, std::vector<OptionDoc>>> commands;
  collect(program, {}, actions, conflicts, commands, fn);
  if (!conflicts.empty()) {
    return make_error(ErrorKind::kInvalidArgument,
                      "option " + conflicts.begin()->first + " is completed two ways in different commands");
  }

  std::ostringstream out;
  out << "# bash completion for " << name << " " << version << "\n"
      << "# Written by acmekit-docgen from " << name << "'s command line (src/cli/*/app.cc); do not edit.\n\n";

  bool wants_certnames = false;
  for (const auto& [option, action] : actions) wants_certnames |= action == fn + "_certnames";
  if (wants_certnames) {
    // Lineage names: CONFIG_DIR/renewal/NAME.conf, CONFIG_DIR from the line.
    std::string config_dir_default;
    for (const auto& o : program.options) {
      for (const auto& n : o.names) {
        if (n == "--config-dir") config_dir_default = o.default_value;
      }
    }
    out << fn << "_certnames()\n{\n"
        << "    local dir=" << (config_dir_default.empty() ? "." : config_dir_default) << " i f names=()\n"
        << "    for ((i = 1; i < ${#words[@]}; i++)); do\n"
        << "        case ${words[i]} in\n"
        << "            --config-dir) dir=${words[i + 1]} ;;\n"
        << "            --config-dir=*) dir=${words[i]#--config-dir=} ;;\n"
        << "        esac\n"
        << "    done\n"
        << "    for f in \"$dir\"/renewal/*.conf; do\n"
        << "        [[ -e $f ]] || continue\n"
        << "        f=${f##*/}\n"
        << "        names+=(\"${f%.conf}\")\n"
        << "    done\n"
        << "    COMPREPLY=($(compgen -W \"${names[*]}\" -- \"$cur\"))\n"
        << "}\n\n";
  }

  out << fn << "()\n{\n"
      << "    local cur prev words cword split\n"
      << "    _init_completion -s || return\n\n"
      << "    # The command the words so far name; option values are skipped.\n"
      << "    local cmd=\"\" i w\n"
      << "    for ((i = 1; i < cword; i++)); do\n"
      << "        w=${words[i]}\n"
      << "        if [[ $w == -* ]]; then\n"
      << "            [[ $w == *=* ]] && continue\n"
      << "            case $w in\n";
  std::string valued;
  for (const auto& [option, action] : actions) {
    if (!action.empty()) valued += (valued.empty() ? "" : "|") + option;
  }
  if (!valued.empty()) out << "                " << valued << ") ((i++)) ;;\n";
  out << "            esac\n"
      << "            continue\n"
      << "        fi\n"
      << "        case $cmd/$w in\n";
  std::string transitions;
  for (const auto& [c, opts] : commands) {
    if (!c->path.empty()) transitions += (transitions.empty() ? "" : "|") + path_key(*c);
  }
  if (!transitions.empty()) out << "            " << transitions << ") cmd=$cmd/$w ;;\n";
  out << "        esac\n"
      << "    done\n\n"
      << "    # The value of an option.\n"
      << "    case $prev in\n";
  std::map<std::string, std::string> by_action;  // action -> "a|b|c"
  for (const auto& [option, action] : actions) {
    if (action.empty()) continue;
    auto& names = by_action[action];
    names += (names.empty() ? "" : "|") + option;
  }
  for (const auto& [action, names] : by_action) {
    out << "        " << names << ")\n            " << action << "\n            return ;;\n";
  }
  out << "    esac\n"
      << "    $split && return\n\n"
      << "    local opts=\"\" commands=\"\" positional=\"\"\n"
      << "    case $cmd in\n";
  for (const auto& [c, opts] : commands) {
    std::set<std::string> seen;
    std::string words, subs, positional;
    for (const auto& o : opts) {
      if (o.positional) {
        positional = value_action(o, fn);
        continue;
      }
      for (const auto& n : o.names) {
        if (seen.insert(n).second) words += (words.empty() ? "" : " ") + n;
      }
    }
    for (const auto& sub : c->subcommands) subs += (subs.empty() ? "" : " ") + sub.path.back();
    out << "        \"" << path_key(*c) << "\")\n"
        << "            opts=\"" << words << "\"\n";
    if (!subs.empty()) out << "            commands=\"" << subs << "\"\n";
    if (!positional.empty()) out << "            positional='" << positional << "'\n";
    out << "            ;;\n";
  }
  out << "    esac\n"
      << "    if [[ $cur == -* ]]; then\n"
      << "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
      << "    elif [[ -n $commands ]]; then\n"
      << "        COMPREPLY=($(compgen -W \"$commands\" -- \"$cur\"))\n"
      << "    elif [[ -n $positional ]]; then\n"
      << "        eval \"$positional\"\n"
      << "    else\n"
      << "        COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
      << "    fi\n"
      << "} &&\n"
      << "    complete -F " << fn << " " << name << "\n\n"
      << "# ex: filetype=sh\n";
  return out.str();
}

}  // namespace acmekit::docgen
