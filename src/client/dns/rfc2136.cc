#include "client/dns/rfc2136.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/dns/credentials.h"

namespace acmekit::client::dns_api {
namespace {

class Rfc2136 : public Provider {
 public:
  explicit Rfc2136(acmekit::dns::UpdateServer server) : updater_(std::move(server), clock_) {}

  // The log names the server: "... in zone example.test at 127.0.0.2:53".
  std::string name() const override { return updater_.server().endpoint.label(); }

  Result<std::string> find_zone(const std::string& fqdn) override { return updater_.find_zone(fqdn); }

  // RFC 2136 §2.5.1: added to the RRset (§3.4.2.2: a value already there is a no-op).
  Status add_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return in_updates(records, [&](auto part) { return updater_.add_txt(zone, part); });
  }

  // RFC 2136 §2.5.4: exactly these values (class NONE); absent ones are fine.
  Status delete_txt(const std::string& zone, std::span<const TxtRecord> records) override {
    return in_updates(records, [&](auto part) { return updater_.delete_txt(zone, part); });
  }

 private:
  // One UPDATE per kMaxRecordsPerUpdate records; the first failure ends it.
  template <typename Send>
  static Status in_updates(std::span<const TxtRecord> all, Send send) {
    for (size_t at = 0; at < all.size(); at += acmekit::dns::Updater::kMaxRecordsPerUpdate) {
      ACMEKIT_CHECK(send(all.subspan(at, std::min(acmekit::dns::Updater::kMaxRecordsPerUpdate, all.size() - at))));
    }
    return {};
  }

  SystemClock clock_;  // TSIG signs with the real time (RFC 8945 §5.2.3)
  acmekit::dns::Updater updater_;
};

}  // namespace

Result<std::unique_ptr<Provider>> make_rfc2136(const std::string& credentials_path) {
  ACMEKIT_TRY(auto credentials, acmekit::dns::load_rfc2136_credentials(credentials_path));
  if (credentials.insecure_permissions) {
    spdlog::warn("{} can be read by other users; it holds a TSIG secret (chmod 600 it)", credentials_path);
  }
  return make_rfc2136(acmekit::dns::update_server(credentials));
}

std::unique_ptr<Provider> make_rfc2136(acmekit::dns::UpdateServer server) {
  return std::make_unique<Rfc2136>(std::move(server));
}

}  // namespace acmekit::client::dns_api
