// A man page (roff, man(7) macros) from a CommandDoc: the program's options,
// every command with its options and its --help footer, the footer's
// sections (EXAMPLES, FILES, EXIT STATUS, ...) as man sections.
#pragma once

#include <string>
#include <vector>

#include "cli/docgen/cli_model.h"

namespace acmekit::docgen {

struct ManPageInfo {
  std::string program;  // "acmekit"
  int section = 1;
  std::string manual;   // "User Commands", "System Administration"
  std::string version;  // "0.1.0"
  std::string date;     // "2026-12-05"
  std::vector<std::string> description;  // DESCRIPTION paragraphs, plain text
  std::vector<std::string> see_also;     // "certbot(1)", ...
};

[[nodiscard]] std::string render_man_page(const CommandDoc& program, const ManPageInfo& info);

// Plain text -> roff text: backslashes, dashes (an ASCII minus, so options
// copy and paste), quotes and a leading '.' escaped.
[[nodiscard]] std::string roff_escape(std::string_view text);

}  // namespace acmekit::docgen
