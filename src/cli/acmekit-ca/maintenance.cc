#include "cli/acmekit-ca/maintenance.h"

#include <spdlog/spdlog.h>

namespace acmekit::ca_cli {

Maintenance::Maintenance(server::ra::RegistrationAuthority& ra, server::nonce::SharedNonceService* shared_nonces,
                         server::ca::CrlPublisher* crls, std::chrono::seconds sweep, std::chrono::seconds prune)
    : ra_(ra), shared_nonces_(shared_nonces), crls_(crls), sweep_(sweep), prune_(prune), thread_([this] { run(); }) {}

Maintenance::~Maintenance() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Maintenance::run() {
  auto next_prune = std::chrono::steady_clock::now() + prune_;
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, sweep_, [this] { return stopping_; })) {
    lock.unlock();
    // Errors are logged and tried again next round (the database may be
    // restarting); requests report them to clients meanwhile.
    if (auto resumed = ra_.resume_interrupted_validations(); !resumed) {
      spdlog::warn("taking over interrupted validations: {}", resumed.error().message());
    } else if (*resumed > 0) {
      spdlog::info("took over {} validation(s) another instance did not finish", *resumed);
    }
    if (auto finished = ra_.resume_stalled_finalizations(); !finished) {
      spdlog::warn("finishing interrupted finalizations: {}", finished.error().message());
    } else if (*finished > 0) {
      spdlog::info("finished {} finalization(s) another instance did not", *finished);
    }
    if (crls_ != nullptr) {
      if (auto made = crls_->run_once(); !made) spdlog::warn("publishing CRLs: {}", made.error().message());
    }
    if (shared_nonces_ != nullptr && std::chrono::steady_clock::now() >= next_prune) {
      next_prune = std::chrono::steady_clock::now() + prune_;
      if (auto pruned = shared_nonces_->prune(); !pruned) {
        spdlog::warn("forgetting expired nonces: {}", pruned.error().message());
      }
    }
    lock.lock();
  }
}

}  // namespace acmekit::ca_cli
