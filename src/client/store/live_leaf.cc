#include "client/store/live_leaf.h"

#include "client/store/atomic_file.h"

namespace acmekit::client::store {

std::optional<crypto::CertificateInfo> live_leaf(const LineageStore& lineages, const std::string& name) {
  auto pem = read_file(lineages.live_paths(name).cert);
  if (!pem) return std::nullopt;
  auto certs = crypto::parse_pem_chain(*pem);
  if (!certs || certs->empty()) return std::nullopt;
  return std::move(certs->front());
}

}  // namespace acmekit::client::store
