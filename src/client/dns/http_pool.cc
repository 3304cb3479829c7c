#include "client/dns/http_pool.h"

namespace acmekit::client::dns_api {

HttpPool::HttpPool(std::vector<std::unique_ptr<http::Client>> clients) : clients_(std::move(clients)) {
  for (auto& c : clients_) idle_.push_back(c.get());
}

Result<http::Response> HttpPool::send(const http::Request& request) {
  http::Client* client = nullptr;
  {
    std::unique_lock lock(mu_);
    freed_.wait(lock, [this] { return !idle_.empty(); });
    client = idle_.back();
    idle_.pop_back();
  }
  auto response = client->send(request);
  {
    std::lock_guard lock(mu_);
    idle_.push_back(client);
  }
  freed_.notify_one();
  return response;
}

}  // namespace acmekit::client::dns_api
