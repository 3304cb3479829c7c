#include "server/problems.h"

namespace acmekit::server {

nlohmann::json problem_json(const Error& error) {
  if (error.kind != ErrorKind::kAcme) {
    return {{"type", std::string(wire::kErrorPrefix) + "serverInternal"},
            {"detail", "the server had an internal error; it is logged"},
            {"status", 500}};
  }
  nlohmann::json j = {{"type", error.type}, {"detail", error.detail}, {"status", error.status ? error.status : 400}};
  if (!error.subproblems.empty()) {
    auto& subs = j["subproblems"] = nlohmann::json::array();
    for (const auto& sp : error.subproblems) {
      subs.push_back({{"type", sp.type},
                      {"detail", sp.detail},
                      {"identifier", {{"type", sp.identifier_type}, {"value", sp.identifier_value}}}});
    }
  }
  return j;
}

}  // namespace acmekit::server
