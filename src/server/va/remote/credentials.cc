#include "server/va/remote/credentials.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <system_error>

#include "core/crypto/certificate.h"
#include "core/crypto/digest.h"
#include "core/crypto/key.h"
#include "core/crypto/x509_builder.h"
#include "core/fs/atomic_file.h"

namespace acmekit::server::va::remote {
namespace {

namespace fs = std::filesystem;
using std::chrono::days;
using std::chrono::hours;

constexpr days kRootLifetime{3653};
constexpr days kLeafLifetime{365};
constexpr hours kBackdate{1};

std::string random_serial() {
  for (;;) {
    std::string serial = crypto::random_bytes(16);
    if (std::ranges::any_of(serial, [](char c) { return c != 0; })) return serial;
  }
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

Result<std::string> read(const fs::path& p) {
  auto text = fsio::read_file(p);
  if (!text) return std::unexpected(std::move(text).error().with_context("reading " + p.string()));
  return text;
}

Status make_dir(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!ec) fs::permissions(dir, fs::perms::owner_all, ec);
  if (ec) return make_error(ErrorKind::kIo, fmt::format("creating {}: {}", dir.string(), ec.message()));
  return {};
}

struct Root {
  crypto::PrivateKey key;
  std::string der, pem;
};

// The MPIC root, made once (ca.pem written last: its presence means complete).
Result<Root> load_or_create_root(const fs::path& dir) {
  std::error_code ec;
  if (!fs::exists(dir / "ca.pem", ec)) {
    ACMEKIT_CHECK(make_dir(dir));
    ACMEKIT_TRY(crypto::PrivateKey key, crypto::PrivateKey::generate({}));
    crypto::CertificateTemplate t;
    t.common_name = "acmekit-ca MPIC root";
    t.organization = "acmekit-ca";
    t.serial = random_serial();
    const auto now = std::chrono::system_clock::now();
    t.not_before = now - kBackdate;
    t.not_after = now + kRootLifetime;
    t.is_ca = true;
    t.path_length = 0;
    t.key_usage = {.key_cert_sign = true, .crl_sign = true};
    ACMEKIT_TRY(std::string der, crypto::sign_certificate(t, key.public_key(), key, {}));
    ACMEKIT_TRY(std::string pem, crypto::der_to_pem(der));
    ACMEKIT_CHECK(fsio::write_file_atomic(dir / "ca.key.pem", key.to_pem(), 0600));
    ACMEKIT_CHECK(fsio::write_file_atomic(dir / "ca.pem", pem, 0644));
  }
  ACMEKIT_TRY(std::string pem, read(dir / "ca.pem"));
  ACMEKIT_TRY(std::string key_pem, read(dir / "ca.key.pem"));
  ACMEKIT_TRY(auto chain, crypto::parse_pem_chain(pem));
  ACMEKIT_TRY(crypto::PrivateKey key, crypto::PrivateKey::from_pem(key_pem));
  if (!(key.public_key() == chain.front().public_key)) {
    return make_error(ErrorKind::kCrypto, (dir / "ca.key.pem").string() + " does not match ca.pem");
  }
  return Root{std::move(key), chain.front().der, std::move(pem)};
}

// A leaf of the MPIC root: EKU serverAuth (a perspective) or clientAuth
// (the CA), RFC 5280 §4.2.1.12; {cert PEM, key PEM}.
Result<std::pair<std::string, std::string>> issue_leaf(const Root& root, const std::string& cn,
                                                       const std::vector<std::string>& hosts, bool server) {
  ACMEKIT_TRY(crypto::PrivateKey key, crypto::PrivateKey::generate({}));
  crypto::CertificateTemplate t;
  t.common_name = cn.substr(0, 64);
  for (const auto& h : hosts) (is_ip(h) ? t.ip_addresses : t.dns_names).push_back(h);
  t.serial = random_serial();
  const auto now = std::chrono::system_clock::now();
  t.not_before = now - kBackdate;
  t.not_after = now + kLeafLifetime;
  t.key_usage = {.digital_signature = true};
  t.server_auth = server;
  t.client_auth = !server;
  ACMEKIT_TRY(std::string der, crypto::sign_certificate(t, key.public_key(), root.key, root.der));
  ACMEKIT_TRY(std::string pem, crypto::der_to_pem(der));
  return std::pair{std::move(pem), key.to_pem()};
}

}  // namespace

Result<MpicClientCredentials> load_or_create_client_credentials(const fs::path& data_dir) {
  const fs::path dir = data_dir / "mpic";
  ACMEKIT_TRY(Root root, load_or_create_root(dir));
  std::error_code ec;
  if (!fs::exists(dir / "client.pem", ec)) {
    ACMEKIT_TRY(auto leaf, issue_leaf(root, "acmekit-ca MPIC client", {}, /*server=*/false));
    ACMEKIT_CHECK(fsio::write_file_atomic(dir / "client.key.pem", leaf.second, 0600));
    ACMEKIT_CHECK(fsio::write_file_atomic(dir / "client.pem", leaf.first, 0644));
  }
  MpicClientCredentials c{.ca_file = dir / "ca.pem"};
  ACMEKIT_TRY(c.cert_pem, read(dir / "client.pem"));
  ACMEKIT_TRY(c.key_pem, read(dir / "client.key.pem"));
  return c;
}

Status issue_va_bundle(const fs::path& data_dir, const std::string& name, const std::vector<std::string>& hosts,
                       const fs::path& out_dir) {
  if (hosts.empty()) return make_error(ErrorKind::kInvalidArgument, "a perspective's certificate needs a --host");
  ACMEKIT_TRY(Root root, load_or_create_root(data_dir / "mpic"));
  ACMEKIT_TRY(auto leaf, issue_leaf(root, "acmekit-ca MPIC perspective " + name, hosts, /*server=*/true));
  ACMEKIT_CHECK(make_dir(out_dir));
  ACMEKIT_CHECK(fsio::write_file_atomic(out_dir / "va.key.pem", leaf.second, 0600));
  ACMEKIT_CHECK(fsio::write_file_atomic(out_dir / "va.pem", leaf.first, 0644));
  return fsio::write_file_atomic(out_dir / "ca.pem", root.pem, 0644);
}

Result<VaBundle> load_va_bundle(const fs::path& dir) {
  VaBundle b;
  ACMEKIT_TRY(b.ca_pem, read(dir / "ca.pem"));
  ACMEKIT_TRY(b.cert_pem, read(dir / "va.pem"));
  ACMEKIT_TRY(b.key_pem, read(dir / "va.key.pem"));
  return b;
}

}  // namespace acmekit::server::va::remote
