// acmekit-ca's config: durations ("90d", "6h", plain seconds) as the TOML
// file and the flags give them; external_url, database and database_pool.
#include "cli/acmekit-ca/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace acmekit::ca_cli {
namespace {

using std::chrono::seconds;

TEST(ConfigTest, ParsesDurations) {
  EXPECT_EQ(parse_duration("90d").value(), seconds(90 * 86400));
  EXPECT_EQ(parse_duration("6h").value(), seconds(6 * 3600));
  EXPECT_EQ(parse_duration("30m").value(), seconds(1800));
  EXPECT_EQ(parse_duration("45s").value(), seconds(45));
  EXPECT_EQ(parse_duration("3600").value(), seconds(3600));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("d"));
  EXPECT_FALSE(parse_duration("-1h"));
  EXPECT_FALSE(parse_duration("1w"));
}

// Found by tests/fuzz (toml_config, corpus crash-duration-overflow.toml):
// the count times the unit overflowed int64 (undefined behaviour) instead of
// being refused.
TEST(ConfigTest, RefusesADurationThatOverflows) {
  auto d = parse_duration("99999999999999999d");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(d.error().detail.find("too long"), std::string::npos);
  EXPECT_FALSE(parse_duration("2562047788015216h"));
  EXPECT_EQ(parse_duration("9223372036854775807").value(), seconds(9223372036854775807));
  EXPECT_EQ(parse_duration("106751991167300d").value(), seconds(int64_t{106751991167300} * 86400));
}

// The flags with --data-dir, which resolve_config requires.
ServeFlags flags_with_data_dir() {
  ServeFlags f;
  f.data_dir = "/var/lib/acmekit-ca";
  return f;
}

// resolve_config with `toml` as the --config file.
Result<ServeConfig> resolve_toml(const std::string& toml) {
  const auto path = std::filesystem::temp_directory_path() / ("acmekit-ca-config-test-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(path) << "data_dir = \"/var/lib/acmekit-ca\"\n" << toml << "\n";
  ServeFlags f;
  f.config = path.string();
  auto c = resolve_config(f);
  std::filesystem::remove(path);
  return c;
}

void expect_invalid(const Result<ServeConfig>& c, std::string_view naming) {
  ASSERT_FALSE(c) << naming;
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(c.error().detail.find(naming), std::string::npos) << c.error().detail;
}

TEST(ConfigTest, ExternalUrlIsHttpsHostAndPortNormalized) {
  struct Case {
    const char* in;
    const char* base;
    const char* host;
  };
  for (const Case& k : {Case{"https://ca.example.net", "https://ca.example.net", "ca.example.net"},
                        Case{"https://ca.example.net/", "https://ca.example.net", "ca.example.net"},
                        Case{"HTTPS://CA.Example.NET:8443", "https://ca.example.net:8443", "ca.example.net"},
                        Case{"https://127.0.0.1:8443", "https://127.0.0.1:8443", "127.0.0.1"},
                        Case{"https://[::1]:8443/", "https://[::1]:8443", "::1"},
                        Case{"https://[2001:DB8::1]", "https://[2001:db8::1]", "2001:db8::1"},
                        Case{"https://localhost:65535", "https://localhost:65535", "localhost"}}) {
    auto u = parse_external_url(k.in, "--external-url");
    ASSERT_TRUE(u) << k.in << ": " << u.error().detail;
    EXPECT_EQ(u->base, k.base) << k.in;
    EXPECT_EQ(u->host, k.host) << k.in;
  }
}

TEST(ConfigTest, RefusesAnExternalUrlThatIsNotHttpsHostPort) {
  for (const char* bad : {"http://ca.example.net",  // RFC 8555 §6.1: HTTPS only
                          "ca.example.net", "ftp://ca.example.net", "https://", "https:///", "https://ca.example.net/acme",
                          "https://ca.example.net//", "https://ca.example.net?x=1", "https://ca.example.net#top",
                          "https://user@ca.example.net", "https://ca.example.net:", "https://ca.example.net:0",
                          "https://ca.example.net:65536", "https://ca.example.net:443x", "https://ca.example.net:-1",
                          "https://::1", "https://[::1", "https://[::1]x", "https://[not-v6]", "https://1.2.3",
                          "https://256.1.1.1", "https://-ca.example.net", "https://ca..example.net",
                          "https://ca_example.net", "https://ca.example.net."}) {
    auto u = parse_external_url(bad, "--external-url");
    ASSERT_FALSE(u) << bad << " was taken as " << u->base;
    EXPECT_EQ(u.error().kind, ErrorKind::kInvalidArgument);
    EXPECT_NE(u.error().detail.find("--external-url"), std::string::npos) << u.error().detail;
  }
  auto http = parse_external_url("http://ca.example.net", "--external-url");
  EXPECT_NE(http.error().detail.find("https://"), std::string::npos) << http.error().detail;
}

TEST(ConfigTest, ExternalUrlFromFlagAndToml) {
  EXPECT_EQ(resolve_config(flags_with_data_dir()).value().external_url, "");  // off by default
  ServeFlags f = flags_with_data_dir();
  f.external_url = "https://CA.example.net:8443/";
  EXPECT_EQ(resolve_config(f).value().external_url, "https://ca.example.net:8443");
  f.external_url = "http://ca.example.net";
  expect_invalid(resolve_config(f), "--external-url");

  EXPECT_EQ(resolve_toml("external_url = \"https://ca.example.net/\"").value().external_url, "https://ca.example.net");
  EXPECT_EQ(resolve_toml("external_url = \"\"").value().external_url, "");
  expect_invalid(resolve_toml("external_url = \"https://ca.example.net/acme\""), "external_url");
  expect_invalid(resolve_toml("external_url = 443"), "external_url");
}

TEST(ConfigTest, DatabaseIsSqliteOrPostgresUri) {
  for (const char* ok : {"", "sqlite:/var/lib/acmekit-ca/acmekit-ca.db", "sqlite:ca.db",
                         "postgres://acmekit-ca@db.internal/acmekit_ca",
                         "postgresql://acmekit-ca:secret@db.internal:5432/acmekit_ca?sslmode=verify-full",
                         "postgresql:///acmekit_ca?host=/run/postgresql"}) {
    EXPECT_TRUE(check_database(ok, "--database")) << ok;
    ServeFlags f = flags_with_data_dir();
    f.database = ok;
    auto c = resolve_config(f);
    ASSERT_TRUE(c) << ok << ": " << c.error().detail;
    EXPECT_EQ(c->database, ok);
  }
  for (const char* bad : {"sqlite:", "mysql://db.internal/ca", "postgres:/db.internal", "postgresql:db",
                          "/var/lib/acmekit-ca/acmekit-ca.db", "SQLITE:/x", "host=db.internal dbname=ca"}) {
    ServeFlags f = flags_with_data_dir();
    f.database = bad;
    expect_invalid(resolve_config(f), "--database");
  }
  // The error does not echo a value that may hold a password.
  ServeFlags f = flags_with_data_dir();
  f.database = "mysql://ca:hunter2@db.internal/ca";
  auto c = resolve_config(f);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().detail.find("hunter2"), std::string::npos) << c.error().detail;

  EXPECT_EQ(resolve_toml("database = \"postgres://db.internal/ca\"").value().database, "postgres://db.internal/ca");
  expect_invalid(resolve_toml("database = \"mysql://db.internal/ca\""), "config: database");
  expect_invalid(resolve_toml("database = 5"), "database");
}

TEST(ConfigTest, DatabasePoolIsOneTo256) {
  EXPECT_EQ(resolve_config(flags_with_data_dir()).value().database_pool, 8);
  ServeFlags f = flags_with_data_dir();
  for (int ok : {1, 8, 256}) {
    f.database_pool = ok;
    EXPECT_EQ(resolve_config(f).value().database_pool, ok);
  }
  for (int bad : {0, -1, 257}) {
    f.database_pool = bad;
    expect_invalid(resolve_config(f), "--database-pool");
  }
  EXPECT_EQ(resolve_toml("database_pool = 32").value().database_pool, 32);
  expect_invalid(resolve_toml("database_pool = 0"), "database_pool");
  expect_invalid(resolve_toml("database_pool = \"8\""), "database_pool");
}

TEST(ConfigTest, CrlsAreOffUntilCrlListenAndTakeTheirSettings) {
  auto off = resolve_config(flags_with_data_dir()).value();
  EXPECT_EQ(off.crl_listen, "");
  EXPECT_EQ(off.crl_url_base, "");
  EXPECT_EQ(off.crl_period, seconds(3600));
  EXPECT_EQ(off.crl_shards, 128);

  ServeFlags f = flags_with_data_dir();
  f.crl_listen = "127.0.0.1:0";
  f.crl_url_base = "HTTP://crl.example.net:4002/";
  f.crl_period = "2s";
  f.crl_shards = 16;
  auto c = resolve_config(f).value();
  EXPECT_EQ(c.crl_listen, "127.0.0.1:0");
  EXPECT_EQ(c.crl_url_base, "http://crl.example.net:4002");
  EXPECT_EQ(c.crl_period, seconds(2));
  EXPECT_EQ(c.crl_shards, 16);

  auto t = resolve_toml("crl_listen = \"0.0.0.0:4002\"\ncrl_url_base = \"http://crl.internal\"\n"
                        "crl_period = \"30m\"\ncrl_shards = 4096").value();
  EXPECT_EQ(t.crl_listen, "0.0.0.0:4002");
  EXPECT_EQ(t.crl_url_base, "http://crl.internal");
  EXPECT_EQ(t.crl_period, seconds(1800));
  EXPECT_EQ(t.crl_shards, 4096);

  expect_invalid(resolve_toml("crl_listen = \"a:1\"\ncrl_shards = 0"), "crl_shards");
  expect_invalid(resolve_toml("crl_listen = \"a:1\"\ncrl_shards = 4097"), "crl_shards");
  expect_invalid(resolve_toml("crl_listen = \"a:1\"\ncrl_period = \"0s\""), "crl_period");
  expect_invalid(resolve_toml("crl_listen = \"a:1\"\ncrl_url_base = \"https://crl.internal\""), "crl_url_base");
  expect_invalid(resolve_toml("crl_listen = \"a:1\"\ncrl_url_base = \"http://crl.internal/crls\""), "crl_url_base");
  expect_invalid(resolve_toml("crl_url_base = \"http://crl.internal\""), "crl_listen");
  f.crl_shards = 0;
  expect_invalid(resolve_config(f), "--crl-shards");
  f.crl_shards = 16;
  f.crl_url_base = "http://";
  expect_invalid(resolve_config(f), "--crl-url-base");
}

}  // namespace
}  // namespace acmekit::ca_cli
