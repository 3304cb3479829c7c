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

// A challenge's answer waits 1 s for its validation by default, 0 not at
// all, 30 s at most (it holds a request thread); flag or TOML key.
TEST(ConfigTest, ValidationWaitIsZeroToThirtySeconds) {
  EXPECT_EQ(resolve_config(flags_with_data_dir()).value().validation_wait, std::chrono::seconds(1));
  ServeFlags f = flags_with_data_dir();
  f.validation_wait = "0";
  EXPECT_EQ(resolve_config(f).value().validation_wait, std::chrono::seconds(0));
  f.validation_wait = "30s";
  EXPECT_EQ(resolve_config(f).value().validation_wait, std::chrono::seconds(30));
  f.validation_wait = "1m";
  expect_invalid(resolve_config(f), "validation_wait");
  EXPECT_EQ(resolve_toml("validation_wait = \"5s\"").value().validation_wait, std::chrono::seconds(5));
  expect_invalid(resolve_toml("validation_wait = \"1h\""), "validation_wait");
  expect_invalid(resolve_toml("validation_wait = \"soon\""), "validation_wait");
}

// CA/B Baseline Requirements §3.2.2.8: 8 hours by default, shorter allowed
// (tests), longer refused; from the flag or the TOML key.
TEST(ConfigTest, CaaRecheckAfterIsAtMostEightHours) {
  EXPECT_EQ(resolve_config(flags_with_data_dir()).value().caa_recheck_after, std::chrono::hours(8));
  ServeFlags f = flags_with_data_dir();
  f.caa_recheck_after = "0";
  EXPECT_EQ(resolve_config(f).value().caa_recheck_after, std::chrono::seconds(0));
  f.caa_recheck_after = "9h";
  expect_invalid(resolve_config(f), "caa_recheck_after");
  EXPECT_EQ(resolve_toml("caa_recheck_after = \"1h\"").value().caa_recheck_after, std::chrono::hours(1));
  expect_invalid(resolve_toml("caa_recheck_after = \"1d\""), "caa_recheck_after");
  EXPECT_EQ(resolve_toml("caa_identities = [\"ca.example\"]").value().caa_identities,
            std::vector<std::string>{"ca.example"});
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

// Issue 17: --validation-allow-cidr / validation_allow_cidr.
TEST(ConfigTest, ValidationAllowCidrFromFlagAndToml) {
  EXPECT_TRUE(resolve_config(flags_with_data_dir()).value().validation_allow_cidrs.empty());  // refuse all
  ServeFlags f = flags_with_data_dir();
  f.validation_allow_cidrs = {"127.0.0.0/8", "::1/128"};
  EXPECT_EQ(resolve_config(f).value().validation_allow_cidrs, (std::vector<std::string>{"127.0.0.0/8", "::1/128"}));
  for (const char* bad : {"127.0.0.1", "10.0.0.1/8", "10.0.0.0/33", "fd00::/129", "example.test/8", ""}) {
    f.validation_allow_cidrs = {"127.0.0.0/8", bad};
    expect_invalid(resolve_config(f), "--validation-allow-cidr");
  }

  EXPECT_EQ(resolve_toml("validation_allow_cidr = [\"10.0.0.0/8\", \"fd00::/8\"]").value().validation_allow_cidrs,
            (std::vector<std::string>{"10.0.0.0/8", "fd00::/8"}));
  expect_invalid(resolve_toml("validation_allow_cidr = [\"10.0.0.1/8\"]"), "config: validation_allow_cidr");
  expect_invalid(resolve_toml("validation_allow_cidr = \"10.0.0.0/8\""), "validation_allow_cidr");
  expect_invalid(resolve_toml("validation_allow_cidrs = [\"10.0.0.0/8\"]"), "validation_allow_cidrs");  // unknown key
}

// draft-ietf-acme-profiles: without [profiles] the built-ins, classic the default.
TEST(ConfigProfilesTest, BuiltInProfilesWithoutConfiguration) {
  auto c = resolve_config(flags_with_data_dir());
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->profiles.default_name, "classic");
  ASSERT_EQ(c->profiles.names(), "classic, shortlived, tlsserver");
  const auto& classic = *c->profiles.find("classic");
  EXPECT_EQ(classic.validity, std::chrono::hours(24 * 90));
  EXPECT_TRUE(classic.allow_dns);
  EXPECT_FALSE(classic.allow_ip);
  EXPECT_TRUE(classic.server_auth && classic.client_auth);
  const auto& tlsserver = *c->profiles.find("tlsserver");
  EXPECT_EQ(tlsserver.validity, std::chrono::hours(24 * 45));
  EXPECT_FALSE(tlsserver.client_auth);
  EXPECT_FALSE(tlsserver.allow_ip);
  const auto& shortlived = *c->profiles.find("shortlived");
  EXPECT_EQ(shortlived.validity, std::chrono::hours(160));
  EXPECT_TRUE(shortlived.allow_ip && shortlived.allow_dns);
  EXPECT_FALSE(shortlived.client_auth);
}

TEST(ConfigProfilesTest, ProfilesFromToml) {
  auto c = resolve_toml(R"(default_profile = "internal"
[profiles.internal]
validity = "30d"
description = "https://ca.internal/profiles#internal"
identifier_types = ["dns", "ip"]
max_names = 10
key_usage = ["digitalSignature"]
ext_key_usage = ["clientAuth"]
[profiles.tiny]
validity = 3600
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->profiles.default_name, "internal");
  EXPECT_EQ(c->profiles.names(), "internal, tiny");
  const auto& p = *c->profiles.find("internal");
  EXPECT_EQ(p.validity, std::chrono::hours(24 * 30));
  EXPECT_EQ(p.description, "https://ca.internal/profiles#internal");
  EXPECT_TRUE(p.allow_dns && p.allow_ip);
  EXPECT_EQ(p.max_names, 10u);
  EXPECT_TRUE(p.digital_signature);
  EXPECT_FALSE(p.key_encipherment);
  EXPECT_FALSE(p.server_auth);
  EXPECT_TRUE(p.client_auth);
  // Keys left out take the defaults: dns only, 100 names, serverAuth.
  const auto& tiny = *c->profiles.find("tiny");
  EXPECT_EQ(tiny.validity, seconds(3600));
  EXPECT_TRUE(tiny.allow_dns);
  EXPECT_FALSE(tiny.allow_ip);
  EXPECT_EQ(tiny.max_names, 100u);
  EXPECT_TRUE(tiny.server_auth);
  EXPECT_FALSE(c->profiles.find("classic"));  // tables replace the built-ins
}

TEST(ConfigProfilesTest, OneProfileIsTheDefaultAndDefaultProfilePicksABuiltIn) {
  auto one = resolve_toml("[profiles.only]\nvalidity = \"7d\"\n");
  ASSERT_TRUE(one) << one.error().message();
  EXPECT_EQ(one->profiles.default_name, "only");
  auto builtin = resolve_toml("default_profile = \"shortlived\"\n");
  ASSERT_TRUE(builtin) << builtin.error().message();
  EXPECT_EQ(builtin->profiles.default_profile().name, "shortlived");
}

// --certificate-validity / certificate_validity keep setting the lifetime of
// what clients without profiles get: the default profile's.
TEST(ConfigProfilesTest, CertificateValidityOverridesTheDefaultProfile) {
  auto toml = resolve_toml("certificate_validity = \"6h\"\n");
  ASSERT_TRUE(toml) << toml.error().message();
  EXPECT_EQ(toml->profiles.default_profile().validity, std::chrono::hours(6));
  EXPECT_EQ(toml->profiles.find("shortlived")->validity, std::chrono::hours(160));  // others untouched
  ServeFlags f = flags_with_data_dir();
  f.certificate_validity = "3600";
  auto flag = resolve_config(f);
  ASSERT_TRUE(flag) << flag.error().message();
  EXPECT_EQ(flag->profiles.default_profile().validity, seconds(3600));
  EXPECT_EQ(flag->profiles.find("tlsserver")->validity, std::chrono::hours(24 * 45));
  f.certificate_validity = "30";
  expect_invalid(resolve_config(f), "--certificate-validity");
}

TEST(ConfigProfilesTest, BadProfileValuesNameTheKey) {
  expect_invalid(resolve_toml("[profiles.a]\nvalidity = \"soon\"\n"), "profiles.a.validity");
  expect_invalid(resolve_toml("[profiles.a]\nvalidity = \"30s\"\n"), "profiles.a.validity");
  expect_invalid(resolve_toml("[profiles.a]\ndescription = 5\n"), "profiles.a.description");
  expect_invalid(resolve_toml("[profiles.a]\nidentifier_types = [\"email\"]\n"), "profiles.a.identifier_types");
  expect_invalid(resolve_toml("[profiles.a]\nidentifier_types = []\n"), "profiles.a.identifier_types");
  expect_invalid(resolve_toml("[profiles.a]\nidentifier_types = \"dns\"\n"), "profiles.a.identifier_types");
  expect_invalid(resolve_toml("[profiles.a]\nmax_names = 0\n"), "profiles.a.max_names");
  expect_invalid(resolve_toml("[profiles.a]\nkey_usage = [\"keyEncipherment\"]\n"), "profiles.a.key_usage");
  expect_invalid(resolve_toml("[profiles.a]\nkey_usage = [\"keyCertSign\"]\n"), "profiles.a.key_usage");
  expect_invalid(resolve_toml("[profiles.a]\next_key_usage = [\"codeSigning\"]\n"), "profiles.a.ext_key_usage");
  expect_invalid(resolve_toml("[profiles.a]\nlifetime = \"1d\"\n"), "profiles.a: unknown key");
  expect_invalid(resolve_toml("[profiles.\"a b\"]\n"), "profiles.a b");
  expect_invalid(resolve_toml("profiles = 1\n"), "profiles");
  expect_invalid(resolve_toml("[profiles.a]\n[profiles.b]\n"), "default_profile is required");
  expect_invalid(resolve_toml("default_profile = \"nope\"\n"), "default_profile");
  expect_invalid(resolve_toml("default_profile = \"classic\"\n[profiles.a]\n"), "default_profile");
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
