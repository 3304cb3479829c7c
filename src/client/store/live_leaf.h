// The certificate a lineage serves now: the first certificate of
// live/NAME/cert.pem, for certonly (which lineage, is it due) and revoke
// (is this certificate a lineage's live one).
#pragma once

#include <optional>
#include <string>

#include "client/store/lineages.h"
#include "core/crypto/certificate.h"

namespace acmekit::client::store {

// nullopt when the lineage has no readable, parseable live certificate.
std::optional<crypto::CertificateInfo> live_leaf(const LineageStore& lineages, const std::string& name);

}  // namespace acmekit::client::store
