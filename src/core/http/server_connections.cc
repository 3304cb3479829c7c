#include "core/http/server_connections.h"

#include <vector>

namespace acmekit::http {

uint64_t Connections::admit(std::weak_ptr<Connection> connection) {
  std::lock_guard lock(mu_);
  if (closing_ || open_.size() >= max_) return 0;
  const uint64_t id = next_id_++;
  open_.emplace(id, std::move(connection));
  return id;
}

void Connections::remove(uint64_t id) {
  if (id == 0) return;
  std::lock_guard lock(mu_);
  open_.erase(id);
  if (open_.empty()) empty_.notify_all();
}

void Connections::close_all() {
  // Closed outside the lock: dropping the last reference runs remove().
  std::vector<std::shared_ptr<Connection>> to_close;
  {
    std::lock_guard lock(mu_);
    closing_ = true;
    for (const auto& [id, weak] : open_) {
      if (auto connection = weak.lock()) to_close.push_back(std::move(connection));
    }
  }
  for (const auto& connection : to_close) connection->close();
}

bool Connections::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return empty_.wait_for(lock, timeout, [this] { return open_.empty(); });
}

}  // namespace acmekit::http
