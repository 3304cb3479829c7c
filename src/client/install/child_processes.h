// The live children of a process, read from /proc (Linux): how the
// installers see a web server's workers change after a reload.
#pragma once

#include <set>

#include <sys/types.h>

namespace acmekit::client::install {

// The pids whose parent is `parent` and that are not zombies; what cannot
// be read (a process gone meanwhile) is left out.
std::set<pid_t> children_of(pid_t parent);

}  // namespace acmekit::client::install
