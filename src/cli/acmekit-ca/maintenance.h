// The background duties of a serving CA instance, on one thread: every
// `sweep` it takes over validations whose instance stopped or died (their
// lease ran out: ra::RegistrationAuthority::resume_interrupted_validations)
// and finishes finalizations they left "processing" (resume_stalled_
// finalizations),
// and every `prune` it forgets redeemed nonces that expired (shared nonces
// only). Stops when destroyed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "server/nonce/nonce_service.h"
#include "server/ra/registration_authority.h"

namespace acmekit::ca_cli {

class Maintenance {
 public:
  Maintenance(server::ra::RegistrationAuthority& ra, server::nonce::SharedNonceService* shared_nonces,
              std::chrono::seconds sweep = std::chrono::seconds(2),
              std::chrono::seconds prune = std::chrono::seconds(60));
  ~Maintenance();
  Maintenance(const Maintenance&) = delete;
  Maintenance& operator=(const Maintenance&) = delete;

 private:
  void run();

  server::ra::RegistrationAuthority& ra_;
  server::nonce::SharedNonceService* shared_nonces_;
  const std::chrono::seconds sweep_, prune_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace acmekit::ca_cli
