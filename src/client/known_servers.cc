#include <map>

#include "client/known_servers.h"

namespace acmekit::client {

std::string resolve_server(const std::string& server, bool staging) {
  static const std::map<std::string, std::string> kKnown = {
      {"letsencrypt", "https://acme-v02.api.letsencrypt.org/directory"},
      {"letsencrypt-staging", "https://acme-staging-v02.api.letsencrypt.org/directory"},
      {"zerossl", "https://acme.zerossl.com/v2/DV90"},
      {"google", "https://dv.acme-v02.api.pki.goog/directory"},
      {"google-staging", "https://dv.acme-v02.test-api.pki.goog/directory"},
      {"buypass", "https://api.buypass.com/acme/directory"},
      {"buypass-staging", "https://api.test4.buypass.no/acme/directory"},
  };
  if (staging) return kKnown.at("letsencrypt-staging");
  if (auto it = kKnown.find(server); it != kKnown.end()) return it->second;
  return server;
}

}  // namespace acmekit::client
