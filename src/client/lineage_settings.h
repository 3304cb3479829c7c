// What a lineage was obtained with, so renewal can repeat it: the
// [renewalparams] section of renewal/NAME.conf, as a struct.
#pragma once

#include <string>
#include <vector>

#include "client/store/lineages.h"
#include "core/crypto/key.h"
#include "core/error.h"

namespace acmekit::client {

struct LineageSettings {
  std::string server;      // ACME directory URL
  std::string ca_bundle;   // extra trust anchors for the CA's HTTPS
  std::string account;     // account id under accounts/<server>/
  std::vector<std::string> names;
  // How http-01 is answered: "standalone" or "webroot".
  std::string authenticator = "standalone";
  int http01_port = 80;
  std::string http01_address;
  std::string webroot_path;
  std::string key_type = "ecdsa";  // certbot's names
  std::string elliptic_curve = "secp256r1";
  int rsa_key_size = 2048;
  std::string preferred_chain;
  std::string deploy_hook;  // run after each successful renewal

  Result<crypto::KeySpec> key_spec() const {
    return crypto::key_spec_from_names(key_type, elliptic_curve, rsa_key_size);
  }
  store::RenewalConfig to_config() const;
  // Errors name the missing or malformed key.
  static Result<LineageSettings> from_config(const store::RenewalConfig& config);
};

}  // namespace acmekit::client
