// Running a web server's control tool (nginx -t, nginx -s reload,
// apache2ctl configtest): argv as given (no shell), its stdout and stderr
// captured together so a failure can carry the tool's own error lines.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace acmekit::client::install {

struct ToolRun {
  int exit_status = 0;  // 128 + signal when killed
  std::string output;   // stdout and stderr interleaved, as the tool wrote them
};

// Runs argv[0] (looked up in PATH when it has no slash) and waits.
// kNotFound when it cannot be started (a wrong --nginx-ctl).
Result<ToolRun> run_tool(const std::vector<std::string>& argv);

// The tool's lines that say what went wrong ("[emerg] ..."), joined by "; ",
// else its last non-empty line; for an error's one line.
std::string error_lines(const std::string& output);

}  // namespace acmekit::client::install
