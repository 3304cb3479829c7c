// Obtaining a certificate from an order to a PEM chain: the RFC 8555 §7.4
// flow on top of api/ and a challenge Solver. Writes nothing to disk; the
// caller installs the result (store/lineages.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/api/poll.h"
#include "client/api/session.h"
#include "client/challenge/solver_set.h"
#include "client/store/lineages.h"
#include "core/clock.h"
#include "core/crypto/certificate.h"
#include "core/crypto/key.h"

namespace acmekit::client {

struct ObtainRequest {
  std::vector<std::string> names;  // identifiers, dns names or IP addresses
  // --csr: the CSR to finalize with (DER); the names must be its names and
  // no key is made.
  std::optional<std::string> csr_der;
  crypto::KeySpec key_spec;
  // --reuse-key: the lineage's current key, used instead of a new one when
  // it is of key_spec's type and size (else a new key, as certbot does when
  // the key type changed).
  std::optional<crypto::PrivateKey> reuse_key;
  // --preferred-chain: the issuer CN of the topmost certificate to prefer
  // among the default and alternate chains (certbot's rule).
  std::string preferred_chain;
  // RFC 9773 §5: the certificate identifier of the certificate this one
  // renews. Sent as newOrder "replaces" only to a CA whose directory has
  // renewalInfo; an alreadyReplaced refusal is retried once without it.
  std::string replaces;
  // draft-ietf-acme-profiles §4: the profile to ask for (client/profile_choice.h:
  // a preferred one the CA lacks is dropped with a warning, a required one
  // fails before ordering).
  std::string preferred_profile;
  std::string required_profile;
};

struct Issued {
  std::string cert_pem;       // the leaf
  std::string chain_pem;      // the issuers
  std::string fullchain_pem;  // leaf + issuers
  std::optional<crypto::PrivateKey> key;  // absent with --csr
  crypto::CertificateInfo leaf;
  std::string order_url;
  std::string profile;  // the order's profile as the CA reported it ("" if none)

  // The files of a lineage version. Needs `key` (not a --csr issuance).
  store::LineageFiles lineage_files() const {
    return {.cert_pem = cert_pem, .chain_pem = chain_pem, .fullchain_pem = fullchain_pem,
            .privkey_pem = key->to_pem()};
  }
};

// Progress for long runs: one line per step, at info level.
class Certifier {
 public:
  // Each authorization is answered by the first solver of `solvers` whose
  // challenge type the CA offers for it.
  Certifier(api::Session& session, const challenge::SolverSet& solvers, Clock& clock,
            api::PollPolicy policy = {})
      : session_(session), solvers_(solvers), clock_(clock), policy_(policy) {}

  // The session must have its directory loaded and its account set.
  Result<Issued> obtain(const ObtainRequest& request);

 private:
  Status authorize(const std::vector<std::string>& authz_urls);
  Result<std::string> choose_chain(const std::string& default_pem,
                                   const std::vector<std::string>& alternates,
                                   const std::string& preferred);

  api::Session& session_;
  const challenge::SolverSet& solvers_;
  Clock& clock_;
  api::PollPolicy policy_;
};

}  // namespace acmekit::client
