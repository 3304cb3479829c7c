// The store's file primitives are the core's crash-safe ones (core/fs).
#pragma once

#include "core/fs/atomic_file.h"

namespace acmekit::client::store {
using fs::read_file;
using fs::replace_symlink_atomic;
using fs::sync_directory;
using fs::write_file_atomic;
}  // namespace acmekit::client::store
