// `diff -u` of one file's old and new text (--dry-run shows the
// installer's edits this way): ---/+++ headers, @@ hunks with three lines
// of context.
#pragma once

#include <string>
#include <string_view>

namespace acmekit::client::install {

// "" when the texts are equal. An empty `before` with `before_exists`
// false is a new file (--- /dev/null).
std::string unified_diff(const std::string& path, std::string_view before, std::string_view after,
                         bool before_exists = true);

}  // namespace acmekit::client::install
