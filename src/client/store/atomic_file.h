// The store's file primitives are the core's crash-safe ones (core/fs).
#pragma once

#include "core/fs/atomic_file.h"

namespace acmekit::client::store {
using fsio::read_file;
using fsio::replace_symlink_atomic;
using fsio::sync_directory;
using fsio::write_file_atomic;
}  // namespace acmekit::client::store
