// The background duties of a serving CA instance, on one thread: every
// `sweep` it takes over validations whose instance stopped or died (their
// lease ran out: ra::RegistrationAuthority::resume_interrupted_validations)
// and finishes finalizations they left "processing" (resume_stalled_
// finalizations),
// and every `prune` it forgets redeemed nonces that expired (shared nonces
// only). With CRLs on, every `sweep` it also gives the CRL job its turn
// (server/ca/crl: a new generation once a period has passed). Stops when
// destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/ca/crl.h"
#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"

namespace acmekit::ca_cli {

class Maintenance {
 public:
  Maintenance(server::ra::RegistrationAuthority& ra, server::nonce::SharedNonceService* shared_nonces,
              server::ca::CrlPublisher* crls = nullptr, std::chrono::seconds sweep = std::chrono::seconds(2),
              std::chrono::seconds prune = std::chrono::seconds(60));
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

 private:
  void run();

  server::ra::RegistrationAuthority& ra_;
  server::nonce::SharedNonceService* shared_nonces_;
  server::ca::CrlPublisher* crls_;
  const std::chrono::seconds sweep_, prune_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace acmekit::ca_cli
