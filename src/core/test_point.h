// Crash-test points. With ACMEKIT_TEST_STOP_AT=<name> in the environment the
// process stops itself (SIGSTOP) when it reaches the point of that name, so
// an end-to-end test can kill -9 it at exactly that moment (Pebble's
// PEBBLE_* switches work the same way). Without the variable this is a
// getenv and a compare.
#pragma once

#include <csignal>
#include <cstdlib>
#include <string_view>

namespace acmekit {

inline void test_point(std::string_view name) {
  const char* want = std::getenv("ACMEKIT_TEST_STOP_AT");
  if (want != nullptr && name == want) std::raise(SIGSTOP);
}

}  // namespace acmekit
