#include "cli/acmekit/output.h"

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <iostream>

namespace acmekit::cli {

int exit_code_for(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kInvalidArgument: return kExitUsage;
    case ErrorKind::kAcme: return kExitCaRefused;
    case ErrorKind::kNetwork: return kExitNetwork;
    default: return kExitFailure;
  }
}

int report_error(const Error& e) {
  std::cerr << "acmekit: error: " << e.message() << std::endl;
  return exit_code_for(e);
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(t));
}

long days_left(const crypto::CertificateInfo& cert) {
  auto left = cert.not_after - std::chrono::system_clock::now();
  return std::chrono::floor<std::chrono::days>(left).count();
}

nlohmann::json paths_json(const client::store::LineagePaths& p) {
  return {{"cert", p.cert.string()}, {"chain", p.chain.string()},
          {"fullchain", p.fullchain.string()}, {"privkey", p.privkey.string()}};
}

}  // namespace acmekit::cli
