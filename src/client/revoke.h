// Revocation (RFC 8555 §7.6) and lineage deletion. A lineage's live
// certificate revoked and kept is recorded (store/revocations.h), so the
// next renew replaces it, as certbot's renew does after OCSP says revoked.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace acmekit::client {

struct RevokeOptions {
  std::string cert_path;  // a certificate (or full chain) PEM
  std::string cert_name;  // or a lineage
  std::string key_path;   // sign with the certificate's key instead of the account
  std::string reason = "unspecified";
  bool delete_after_revoke = false;
};

// Where to revoke: the CA (a lineage's saved one unless server_given) and
// extra trust anchors for its HTTPS.
struct RevokeTarget {
  std::string config_dir;
  std::string server;
  bool server_given = false;
  std::string ca_bundle;
};

struct RevokeResult {
  std::string serial, reason, cert_path;
  bool deleted = false;
  std::optional<std::string> lineage;  // the kept lineage whose live certificate this was
  nlohmann::json to_json() const;      // {"format":1,"status":"revoked",...}
};

[[nodiscard]] Result<RevokeResult> revoke_certificate(const RevokeTarget& target, const RevokeOptions& options);

struct DeleteResult {
  std::vector<std::string> deleted;
  nlohmann::json to_json() const;  // {"format":1,"deleted":[...]}
};

// live/, archive/ and renewal/ of each lineage; stops at the first failure.
[[nodiscard]] Result<DeleteResult> delete_lineages(const std::string& config_dir, const std::vector<std::string>& names);

}  // namespace acmekit::client
