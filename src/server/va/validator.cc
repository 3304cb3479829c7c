// make_validator (validator.h): dispatch on the challenge type.
#include "server/va/validator.h"

#include "server/va/caa.h"
#include "server/va/challenges.h"
#include "core/dns/resolver.h"
#include "server/va/problem.h"

namespace acmekit::server::va {
namespace {

class ValidationAuthority : public Validator {
 public:
  explicit ValidationAuthority(const ValidatorOptions& options)
      : options_(options), dns_(options.dns_resolvers, options.timeout) {}

  // Holds no mutable state: safe to call from many RA workers at once.
  Status validate(const ValidationRequest& request) override {
    const auto& id = request.identifier;
    if (id.type != "dns" && id.type != "ip") {
      return problem("unsupportedIdentifier", "cannot validate identifiers of type " + id.type);
    }
    switch (request.challenge_type) {
      case wire::ChallengeType::kHttp01: return validate_http01(request, options_, dns_);
      case wire::ChallengeType::kDns01: return validate_dns01(request, dns_);
      case wire::ChallengeType::kTlsAlpn01: return validate_tls_alpn01(request, options_, dns_);
    }
    return problem("malformed", "unknown challenge type");
  }

  Status check_caa(const CaaRequest& request) override {
    if (options_.caa_identities.empty()) return {};  // serve logged it at start
    return va::check_caa(request, options_.caa_identities, dns_);
  }

 private:
  const ValidatorOptions options_;
  const dns::Resolver dns_;
};

}  // namespace

std::unique_ptr<Validator> make_validator(const ValidatorOptions& options) {
  return std::make_unique<ValidationAuthority>(options);
}

}  // namespace acmekit::server::va
