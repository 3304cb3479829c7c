// Running the user's hooks. A hook is the user's own command line, run with
// /bin/sh -c as certbot does; the data it gets (RENEWED_LINEAGE,
// RENEWED_DOMAINS, ...) travels only in environment variables, never spliced
// into the command string.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "core/error.h"

namespace acmekit::client::renewal {

using HookEnv = std::map<std::string, std::string>;

// Runs `command` (if not empty) and waits. A non-zero exit is an Error naming
// `what` and the status. The hook's stdout goes to acmekit's stderr, so
// `--json` output stays parseable.
Status run_hook(std::string_view what, const std::string& command, const HookEnv& env = {});

// Like run_hook, and returns what the command wrote to stdout (certbot's
// manual auth hook output, handed to the cleanup hook as CERTBOT_AUTH_OUTPUT),
// trailing newlines removed. stderr stays ours.
Result<std::string> run_hook_output(std::string_view what, const std::string& command, const HookEnv& env = {});

// Runs every executable regular file in `dir` in name order (certbot's
// renewal-hooks/{pre,deploy,post}/); a missing dir is no hooks. Stops at the
// first failure.
Status run_hook_dir(std::string_view what, const std::filesystem::path& dir, const HookEnv& env = {});

}  // namespace acmekit::client::renewal
