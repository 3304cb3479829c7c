#include "client/report_json.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

namespace acmekit::client {

std::string iso8601(std::chrono::system_clock::time_point t) {
  return fmt::format("{:%FT%TZ}", std::chrono::floor<std::chrono::seconds>(t));
}

nlohmann::json paths_json(const store::LineagePaths& p) {
  return {{"cert", p.cert.string()}, {"chain", p.chain.string()},
          {"fullchain", p.fullchain.string()}, {"privkey", p.privkey.string()}};
}

nlohmann::json ari_json(const renewal::AriWindow& w) {
  nlohmann::json j{{"window_start", iso8601(w.start)}, {"window_end", iso8601(w.end)}, {"renew_at", iso8601(w.renew_at)}};
  if (!w.explanation_url.empty()) j["explanation_url"] = w.explanation_url;
  return j;
}

}  // namespace acmekit::client
