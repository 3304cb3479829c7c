// Multi-perspective issuance corroboration (CA/B Forum Baseline
// Requirements §3.2.2.9, Boulder's remote VAs): a Validator that runs the
// primary (local) check and every remote perspective's at once, logs each
// perspective's result, counts them for /metrics and applies quorum.h.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "server/va/remote/quorum.h"
#include "server/va/validator.h"

namespace acmekit::server::va::remote {

struct Perspective {
  std::string name;
  std::unique_ptr<Validator> validator;  // a RemoteValidator in acmekit-ca serve
};

class MultiPerspectiveValidator : public Validator {
 public:
  // caa_checked: the CA has CAA identities (else check_caa permits at once,
  // as the primary would, without asking anyone).
  MultiPerspectiveValidator(std::unique_ptr<Validator> primary, std::vector<Perspective> remotes, bool caa_checked);

  Status validate(const ValidationRequest& request) override;
  Status check_caa(const CaaRequest& request) override;

  // Prometheus text: acmekit_ca_va_perspective_results_total{perspective,
  // check, result} and acmekit_ca_va_corroboration_total{check, result}.
  std::string metrics_text() const;

 private:
  template <typename Call>
  Status corroborate(std::string_view check, const std::string& what, Call call);

  std::unique_ptr<Validator> primary_;
  std::vector<Perspective> remotes_;
  bool caa_checked_;
  mutable std::mutex mu_;
  // (perspective, check, outcome) -> count; (check, corroborated?) -> count.
  std::map<std::tuple<std::string, std::string, std::string>, uint64_t> results_;
  std::map<std::pair<std::string, bool>, uint64_t> decisions_;
};

}  // namespace acmekit::server::va::remote
