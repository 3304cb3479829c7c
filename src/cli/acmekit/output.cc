#include "cli/acmekit/output.h"

#include <cstdlib>
#include <iostream>
#include <memory>

#include "cli/acmekit/commands.h"

namespace acmekit::cli {

int exit_code_for(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kInvalidArgument:
    case ErrorKind::kNotFound:
    case ErrorKind::kAlreadyExists: return kExitUsage;
    case ErrorKind::kAcme: return kExitCaRefused;
    case ErrorKind::kUnavailable: return kExitNetwork;
    default: return kExitFailure;
  }
}

int report_error(const Error& e) {
  std::cerr << "acmekit: error: " << e.message() << std::endl;
  return exit_code_for(e);
}

const Clock& cli_clock() {
  static const std::unique_ptr<Clock> clock = []() -> std::unique_ptr<Clock> {
    if (const char* fake = std::getenv("ACMEKIT_FAKE_NOW"); fake && *fake) {
      return std::make_unique<OffsetClock>(std::chrono::system_clock::time_point(std::chrono::seconds(std::atoll(fake))));
    }
    return std::make_unique<SystemClock>();
  }();
  return *clock;
}

}  // namespace acmekit::cli
