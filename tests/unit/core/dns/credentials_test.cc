#include "core/dns/credentials.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace acmekit::dns {
namespace {

// certbot's documentation example secret (with its embedded space).
constexpr const char* kSecret =
    "4q4wM/2I180UXoMyN4INVhJNi8V9BCV+jMw2mXgZw/CSuxUT8C7NKKFs AmKd7ak51vWKgSl12ib86oQRPkpDjg==";

TEST(DnsCredentialsTest, ReadsCertbotsExample) {
  const std::string text = std::string(R"(# Target DNS server
dns_rfc2136_server = 192.0.2.1
; Target DNS port
dns_rfc2136_port = 5353
# TSIG key name
dns_rfc2136_name = keyname.
# TSIG key secret
dns_rfc2136_secret = )") + kSecret + R"(
# TSIG key algorithm
dns_rfc2136_algorithm = HMAC-SHA512   # inline comment
dns_rfc2136_sign_query = TRUE
dns_cloudflare_api_token = not-ours
)";
  auto c = parse_rfc2136_credentials(text, "creds.ini");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->server, (Endpoint{"192.0.2.1", 5353}));
  EXPECT_EQ(c->key.name, "keyname.");
  EXPECT_EQ(c->key.algorithm, TsigAlgorithm::kHmacSha512);
  EXPECT_EQ(c->key.secret.size(), 64u);
  EXPECT_TRUE(c->sign_query);
  const UpdateServer o = update_server(*c);
  EXPECT_EQ(o.endpoint, c->server);
  ASSERT_TRUE(o.key.has_value());
  EXPECT_TRUE(o.sign_queries);
}

TEST(DnsCredentialsTest, DefaultsAndQuotedValuesAndIpv6) {
  auto c = parse_rfc2136_credentials(
      "dns_rfc2136_server = \"2001:db8::53\"\ndns_rfc2136_name = 'k'\ndns_rfc2136_secret = aGVsbG8=\n", "f");
  ASSERT_TRUE(c) << c.error().detail;
  EXPECT_EQ(c->server, (Endpoint{"2001:db8::53", 53}));
  EXPECT_EQ(c->server.label(), "[2001:db8::53]:53");
  EXPECT_EQ(c->key.name, "k");
  EXPECT_EQ(c->key.algorithm, kDefaultTsigAlgorithm);
  EXPECT_EQ(kDefaultTsigAlgorithm, TsigAlgorithm::kHmacMd5);  // certbot's fallback
  EXPECT_EQ(c->key.secret, "hello");
  EXPECT_FALSE(c->sign_query);
}

struct BadCase {
  std::string text;
  std::string expected;  // in the error detail
};

TEST(DnsCredentialsTest, EachBadCaseNamesFileLineOrKeyAndNeverTheSecret) {
  const std::string good_secret = "dns_rfc2136_secret = c2VjcmV0LXZhbHVl\n";  // "secret-value"
  const std::vector<BadCase> cases = {
      {"dns_rfc2136_name = k\n" + good_secret, "f.ini: dns_rfc2136_server is missing"},
      {"dns_rfc2136_server = 192.0.2.1\n" + good_secret, "f.ini: dns_rfc2136_name is missing"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_name = k\n", "f.ini: dns_rfc2136_secret is missing"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_name = k\ndns_rfc2136_secret = c2Vj*cmV0\n",
       "f.ini:3: dns_rfc2136_secret is not valid base64"},
      {"dns_rfc2136_server = ns1.example.com\ndns_rfc2136_name = k\n" + good_secret,
       "f.ini:1: dns_rfc2136_server 'ns1.example.com' is not an IP address"},
      {"dns_rfc2136_server = 192.0.2.1:53\ndns_rfc2136_name = k\n" + good_secret,
       "f.ini:1: dns_rfc2136_server '192.0.2.1:53' is not an IP address"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_port = 99999\ndns_rfc2136_name = k\n" + good_secret,
       "f.ini:2: dns_rfc2136_port '99999' is not a port number"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_name = k\n" + good_secret + "dns_rfc2136_algorithm = HMAC-SHA3\n",
       "f.ini:4: unknown TSIG algorithm 'HMAC-SHA3'"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_name = k\n" + good_secret + "dns_rfc2136_sign_query = maybe\n",
       "f.ini:4: dns_rfc2136_sign_query must be true or false"},
      {"dns_rfc2136_server = 192.0.2.1\nthis line has no equals sign\n", "f.ini:2: expected 'key = value'"},
      {"dns_rfc2136_server = 192.0.2.1\ndns_rfc2136_server = 192.0.2.2\n", "f.ini:2: dns_rfc2136_server appears twice"},
  };
  for (const auto& c : cases) {
    auto r = parse_rfc2136_credentials(c.text, "f.ini");
    ASSERT_FALSE(r) << c.text;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(r.error().detail.find(c.expected), std::string::npos) << r.error().detail;
    EXPECT_EQ(r.error().detail.find("c2VjcmV0"), std::string::npos) << "secret leaked: " << r.error().detail;
    EXPECT_EQ(r.error().detail.find("c2Vj*cmV0"), std::string::npos) << "secret leaked: " << r.error().detail;
  }
}

class DnsCredentialsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/acmekit-creds-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(mode_t mode) {
    const auto path = dir_ / "rfc2136.ini";
    std::ofstream(path) << "dns_rfc2136_server = 127.0.0.1\ndns_rfc2136_name = k\ndns_rfc2136_secret = aGVsbG8=\n";
    ::chmod(path.c_str(), mode);
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(DnsCredentialsFileTest, PermissionsFlagWhenGroupOrOthersHaveAccess) {
  auto private_file = load_rfc2136_credentials(write(0600));
  ASSERT_TRUE(private_file) << private_file.error().detail;
  EXPECT_FALSE(private_file->insecure_permissions);
  EXPECT_EQ(private_file->path, (dir_ / "rfc2136.ini").string());
  auto shared = load_rfc2136_credentials(write(0644));
  ASSERT_TRUE(shared) << shared.error().detail;
  EXPECT_TRUE(shared->insecure_permissions);
  auto group = load_rfc2136_credentials(write(0640));
  ASSERT_TRUE(group);
  EXPECT_TRUE(group->insecure_permissions);
}

TEST_F(DnsCredentialsFileTest, MissingFileIsAnIoErrorNamingIt) {
  auto r = load_rfc2136_credentials(dir_ / "absent.ini");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kIo);
  EXPECT_NE(r.error().detail.find("absent.ini"), std::string::npos);
}

TEST_F(DnsCredentialsFileTest, ErrorsNameThePath) {
  const auto path = dir_ / "bad.ini";
  std::ofstream(path) << "dns_rfc2136_name = k\n";
  auto r = load_rfc2136_credentials(path);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, path.string() + ": dns_rfc2136_server is missing");
}

}  // namespace
}  // namespace acmekit::dns
