// Several HTTPS connections to one provider's API as one http::Client: each
// send takes a free connection (waiting for one when all are busy), so the
// zones DnsProviderSolver updates at once (provider.h, kDefaultParallelZones)
// are not serialised on CurlClient's one handle. Thread safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "core/http/client.h"

namespace acmekit::client::dns_api {

class HttpPool : public http::Client {
 public:
  explicit HttpPool(std::vector<std::unique_ptr<http::Client>> clients);
  Result<http::Response> send(const http::Request& request) override;

 private:
  std::vector<std::unique_ptr<http::Client>> clients_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<http::Client*> idle_;
};

}  // namespace acmekit::client::dns_api
