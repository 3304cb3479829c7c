// The management listener's endpoints: plain HTTP on an operator's port
// (--management-listen), never the ACME port.
//   GET /metrics  Prometheus text exposition (the WFE's counters)
//   GET /health   200 {"status":"ok"} when the database can be read and
//                 written now, 503 {"status":"unavailable","detail":...}
//                 otherwise: for load balancers and monitoring
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/http/client.h"
#include "core/http/server.h"
#include "server/sa/storage.h"
#include "server/wfe/wfe.h"

namespace acmekit::server::wfe {

class Management {
 public:
  Management(const Wfe& wfe, sa::StorageWriter& storage, const Clock& clock)
      : wfe_(wfe), storage_(storage), clock_(clock) {}

  // The request -> response function the management listener calls.
  acmekit::http::Response handle(const http::ServerRequest& request);

  // More Prometheus text appended to /metrics (the CRL job's). Call before
  // the listener starts.
  void add_metrics(std::function<std::string()> source) { extra_metrics_.push_back(std::move(source)); }

 private:
  acmekit::http::Response metrics();
  acmekit::http::Response health();

  const Wfe& wfe_;
  sa::StorageWriter& storage_;
  const Clock& clock_;
  std::vector<std::function<std::string()>> extra_metrics_;
};

}  // namespace acmekit::server::wfe
