// The private PKI of multi-perspective validation: the CA and its remote
// perspectives authenticate each other with it (mutual TLS), and with
// nothing else (neither trusts the system store).
//
//   DATA_DIR/mpic/ca.pem, ca.key.pem          the MPIC root (made on first use)
//   DATA_DIR/mpic/client.pem, client.key.pem  the CA's client certificate (EKU clientAuth)
//   BUNDLE/ca.pem, va.pem, va.key.pem         a perspective's: the root, its server
//                                             certificate (EKU serverAuth) and key
// Keys are 0600, every file written atomically.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace acmekit::server::va::remote {

struct MpicClientCredentials {
  std::filesystem::path ca_file;  // DATA_DIR/mpic/ca.pem: trust anchor for the perspectives
  std::string cert_pem, key_pem;  // the CA's client certificate
};

// Loads DATA_DIR/mpic, creating the root and the client certificate first
// when absent.
Result<MpicClientCredentials> load_or_create_client_credentials(const std::filesystem::path& data_dir);

// Issues a perspective's bundle into out_dir (created 0700): a server
// certificate for hosts (DNS names or IP addresses the CA's --remote-va URL
// names), valid for a year. kInvalidArgument without hosts.
Status issue_va_bundle(const std::filesystem::path& data_dir, const std::string& name,
                       const std::vector<std::string>& hosts, const std::filesystem::path& out_dir);

struct VaBundle {
  std::string ca_pem;  // client certificates must chain to it
  std::string cert_pem, key_pem;
};
Result<VaBundle> load_va_bundle(const std::filesystem::path& dir);

}  // namespace acmekit::server::va::remote
