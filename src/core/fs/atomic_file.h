// Crash-safe file writes: write a temp file in the same directory, fsync it,
// rename it over the target, fsync the directory. A reader (nginx, a later
// run) sees either the old content or the new one, never a torn file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::fsio {

// Writes `content` to `path` atomically with permission bits `mode`
// (0600 for keys). Creates missing parent directories (mode 0700).
Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         unsigned mode = 0644);

// Points the symlink `link` at `target` atomically (symlink to a temp name,
// then rename over `link`).
Status replace_symlink_atomic(const std::filesystem::path& target,
                              const std::filesystem::path& link);

// fsync a directory so that renames inside it are durable.
Status sync_directory(const std::filesystem::path& dir);

// Reads a whole file.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace acmekit::fsio
