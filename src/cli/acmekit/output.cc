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

nlohmann::json ari_json(const client::renewal::AriWindow& w) {
  nlohmann::json j{{"window_start", iso8601(w.start)}, {"window_end", iso8601(w.end)}, {"renew_at", iso8601(w.renew_at)}};
  if (!w.explanation_url.empty()) j["explanation_url"] = w.explanation_url;
  return j;
}

}  // namespace acmekit::cli
