// One request inside the WFE: its URLs, what it authenticated as, and what
// the access log and metrics record.
#pragma once

#include <string>

#include "core/http/server.h"
#include "server/wfe/render.h"
#include "server/wfe/wfe.h"

namespace acmekit::server::wfe {

struct Wfe::Context {
  const http::ServerRequest& request;
  Urls urls;             // WfeOptions::external_url, else https://HOST from the request's Host header
  std::string path;      // target without the query
  std::string query;     // after '?', may be empty
  std::string endpoint = "unknown";  // metrics label
  std::string account_id;            // for the access log, once known

  std::string request_url() const { return urls.base + request.target; }
};

}  // namespace acmekit::server::wfe
