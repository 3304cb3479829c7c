// A bash completion script (for bash-completion's _init_completion) from a
// CommandDoc: commands, each command's options (with those it inherits),
// and values by kind: files for FILE, directories for DIR, the allowed
// values of a choice, commands for COMMAND, hosts for HOST, lineage names
// from the config dir for CERTNAME.
#pragma once

#include <string>

#include "core/error.h"
#include "cli/docgen/cli_model.h"

namespace acmekit::docgen {

// kInvalidArgument when one option name means a flag in one command and
// takes a value (or another kind of value) in another: the script decides
// by the name alone.
[[nodiscard]] Result<std::string> render_bash_completion(const CommandDoc& program, const std::string& name,
                                                         const std::string& version);

}  // namespace acmekit::docgen
