#include "client/store/lineages.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "client/store/accounts.h"
#include "client/store/atomic_file.h"

namespace acmekit::client::store {
namespace {
namespace fs = std::filesystem;

class LineageStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-store-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

LineageFiles files(const std::string& tag) {
  return {.cert_pem = "cert-" + tag, .chain_pem = "chain-" + tag,
          .fullchain_pem = "fullchain-" + tag, .privkey_pem = "key-" + tag};
}

TEST_F(LineageStoreTest, InstallsVersionsAndSwitchesLive) {
  LineageStore store(dir);
  RenewalConfig cfg;
  cfg.params["authenticator"] = "standalone";
  cfg.params["domains"] = "a.test, b.test";
  auto p1 = store.install("a.test", files("1"), cfg);
  ASSERT_TRUE(p1) << p1.error().message();
  EXPECT_EQ(read_file(p1->cert).value(), "cert-1");
  EXPECT_EQ(read_file(p1->privkey).value(), "key-1");
  EXPECT_TRUE(fs::is_symlink(dir / "live" / "a.test"));
  EXPECT_TRUE(fs::is_symlink(p1->cert));  // live files are links into archive/

  auto p2 = store.install("a.test", files("2"), cfg);
  ASSERT_TRUE(p2);
  EXPECT_EQ(read_file(p2->fullchain).value(), "fullchain-2");
  EXPECT_EQ(read_file(p2->privkey).value(), "key-2");
  EXPECT_EQ(store.latest_version("a.test"), 2);
  EXPECT_EQ(read_file(dir / "archive" / "a.test" / "cert1.pem").value(), "cert-1");

  struct stat st{};
  ASSERT_EQ(::stat(p2->privkey.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(store.list(), std::vector<std::string>{"a.test"});

  auto back = store.read_renewal("a.test");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->params, cfg.params);
}

TEST_F(LineageStoreTest, RejectsNamesThatEscape) {
  LineageStore store(dir);
  EXPECT_FALSE(store.install("../evil", files("1"), {}));
  EXPECT_FALSE(store.install(".hidden", files("1"), {}));
  EXPECT_FALSE(store.install("", files("1"), {}));
  EXPECT_FALSE(fs::exists(dir / "live"));
}

TEST_F(LineageStoreTest, CrashLeftoversDoNotBreakTheNextInstall) {
  LineageStore store(dir);
  ASSERT_TRUE(store.install("a.test", files("1"), {}));
  // A crash after writing version 2's archive files but before the switch.
  ASSERT_TRUE(write_file_atomic(dir / "archive" / "a.test" / "cert2.pem", "half"));
  fs::create_directories(dir / "live" / ".a.test.v2");
  EXPECT_EQ(read_file(store.live_paths("a.test").cert).value(), "cert-1");
  auto p = store.install("a.test", files("3"), {});
  ASSERT_TRUE(p);
  EXPECT_EQ(read_file(p->cert).value(), "cert-3");
  EXPECT_EQ(read_file(p->privkey).value(), "key-3");
  // Only the current and the previous version directories are kept.
  EXPECT_FALSE(fs::exists(dir / "live" / ".a.test.v1"));
  EXPECT_TRUE(fs::exists(dir / "live" / ".a.test.v2"));
  EXPECT_TRUE(fs::exists(dir / "live" / ".a.test.v3"));
}

TEST_F(LineageStoreTest, LiveLinksResolveTextuallyFromLiveName) {
  // certbot joins a link's target onto live/<name>/ without resolving
  // live/<name> itself; the targets must work that way too.
  LineageStore store(dir);
  ASSERT_TRUE(store.install("a.test", files("1"), {}));
  for (const char* kind : {"cert", "chain", "fullchain", "privkey"}) {
    const fs::path link = dir / "live" / "a.test" / (std::string(kind) + ".pem");
    const fs::path textual = (dir / "live" / "a.test" / fs::read_symlink(link)).lexically_normal();
    EXPECT_EQ(textual, dir / "archive" / "a.test" / (std::string(kind) + "1.pem"));
    EXPECT_EQ(fs::canonical(link), fs::canonical(textual));
  }
}

TEST_F(LineageStoreTest, RemoveDeletesEveryTrace) {
  LineageStore store(dir);
  ASSERT_TRUE(store.install("a.test", files("1"), {}));
  ASSERT_TRUE(store.install("a.test", files("2"), {}));
  ASSERT_TRUE(store.install("b.test", files("1"), {}));
  ASSERT_TRUE(store.remove("a.test"));
  EXPECT_EQ(store.list(), std::vector<std::string>{"b.test"});
  for (const auto& e : fs::directory_iterator(dir / "live")) {
    EXPECT_EQ(e.path().filename().string().find("a.test"), std::string::npos) << e.path();
  }
  EXPECT_FALSE(fs::exists(dir / "archive" / "a.test"));
  EXPECT_FALSE(fs::exists(dir / "renewal" / "a.test.conf"));
  EXPECT_FALSE(store.remove("a.test"));
}

// What certbot leaves: live/NAME a real directory of four relative links to
// archive/NAME/*1.pem, renewal/NAME.conf without domains, live/README.
void make_certbot_lineage(const fs::path& dir, const std::string& name, const std::string& conf) {
  fs::create_directories(dir / "archive" / name);
  fs::create_directories(dir / "live" / name);
  fs::create_directories(dir / "renewal");
  for (const char* kind : {"cert", "chain", "fullchain", "privkey"}) {
    ASSERT_TRUE(write_file_atomic(dir / "archive" / name / (std::string(kind) + "1.pem"), std::string(kind) + "-1",
                                  0600));
    fs::create_symlink(fs::path("../../archive") / name / (std::string(kind) + "1.pem"),
                       dir / "live" / name / (std::string(kind) + ".pem"));
  }
  ASSERT_TRUE(write_file_atomic(dir / "live" / "README", "certbot's README\n", 0644));
  ASSERT_TRUE(write_file_atomic(dir / "renewal" / (name + ".conf"), conf, 0644));
}

constexpr const char* kCertbotConf = R"(# renew_before_expiry = 30 days
version = 2.1.0
archive_dir = /etc/letsencrypt/archive/cb.test
cert = /etc/letsencrypt/live/cb.test/cert.pem
privkey = /etc/letsencrypt/live/cb.test/privkey.pem
chain = /etc/letsencrypt/live/cb.test/chain.pem
fullchain = /etc/letsencrypt/live/cb.test/fullchain.pem

# Options used in the renewal process
[renewalparams]
account = 0123abcd
authenticator = webroot
webroot_path = /var/www/html,
server = https://acme.test/dir
key_type = ecdsa
manual_auth_hook = "/usr/local/bin/auth, with a comma"
[[webroot_map]]
cb.test = /var/www/html
www.cb.test = /srv/www
)";

TEST_F(LineageStoreTest, CertbotsLayoutStaysCertbotsOnInstall) {
  make_certbot_lineage(dir, "cb.test", kCertbotConf);
  LineageStore store(dir);
  EXPECT_TRUE(store.is_certbot_layout("cb.test"));
  EXPECT_EQ(store.list(), std::vector<std::string>{"cb.test"});  // README is no lineage
  auto p = store.install("cb.test", files("2"), RenewalConfig{.params = {{"domains", "cb.test"}}});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_TRUE(store.is_certbot_layout("cb.test"));  // still a real directory, as certbot expects
  for (const char* kind : {"cert", "chain", "fullchain", "privkey"}) {
    EXPECT_EQ(fs::read_symlink(dir / "live" / "cb.test" / (std::string(kind) + ".pem")),
              fs::path("../../archive/cb.test") / (std::string(kind) + "2.pem"));
  }
  EXPECT_EQ(read_file(p->fullchain).value(), "fullchain-2");
  struct stat st {};
  ASSERT_EQ(::stat((dir / "archive/cb.test/privkey2.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(read_file(dir / "renewal/cb.test.conf").value(), kCertbotConf);  // certbot's keys kept
  EXPECT_TRUE(store.remove("cb.test"));
  EXPECT_FALSE(fs::exists(dir / "live/cb.test"));
  EXPECT_FALSE(fs::exists(dir / "archive/cb.test"));
}

TEST(RenewalConfigTest, ReadsCertbotsConfigobj) {
  auto c = parse_renewal_config(kCertbotConf);
  EXPECT_EQ(c.params["authenticator"], "webroot");
  EXPECT_EQ(c.params["webroot_path"], "/var/www/html,");
  EXPECT_EQ(c.params["manual_auth_hook"], "/usr/local/bin/auth, with a comma");  // configobj's quotes
  EXPECT_FALSE(c.params.contains("cb.test"));  // a subsection's key is not a parameter
  EXPECT_EQ(c.subsections["webroot_map"]["www.cb.test"], "/srv/www");
  EXPECT_FALSE(c.params.contains("version"));
  // A value acmekit wrote with quotes inside it stays whole.
  auto ours = parse_renewal_config("[renewalparams]\nrenew_hook = \"/my hook\" \"arg\"\n");
  EXPECT_EQ(ours.params["renew_hook"], "\"/my hook\" \"arg\"");
  // configobj's triple quotes, for a value with both quote kinds (certbot's
  // --deploy-hook "echo \"$X\" >>'/log'").
  auto both = parse_renewal_config(
      "[renewalparams]\nrenew_hook = \'\'\'echo \"$X\" >>\'/log\'\'\'\'\n");
  EXPECT_EQ(both.params["renew_hook"], "echo \"$X\" >>\'/log\'");
}

// A value the reader would change (edge spaces, enclosing quotes) and a key
// it would read as a comment are written in quotes: what was read writes a
// conf that reads back the same (fuzz: tls_alpn01_port = " 4").
TEST(RenewalConfigTest, WritesBackWhatItRead) {
  RenewalConfig c;
  c.params["tls_alpn01_port"] = " 4";
  c.params["pre_hook"] = "\"quoted whole\"";
  c.params["both"] = "a\"b'c ";
  c.params["#not a comment"] = "x";
  c.params[" padded key"] = "'''";
  c.params["plain"] = "/usr/bin/hook arg";
  const std::string text = format_renewal_config("example.test", "/etc/acmekit", c);
  EXPECT_NE(text.find("\nplain = /usr/bin/hook arg\n"), std::string::npos);  // plain stays plain
  EXPECT_EQ(parse_renewal_config(text).params, c.params);
}

// [[NAME]] reaches to the last `]]` (a comment may follow); a section line
// configobj would refuse drops the keys under it, never moves them into
// [renewalparams] (fuzz: `[[]` then written as `[[]]]`).
TEST(RenewalConfigTest, SubsectionHeaders) {
  const auto c = parse_renewal_config(
      "[renewalparams]\naccount = a\n[[webroot_map]] # certbot's\nx.test = /var/www\n[[a]]]\nk = v\n"
      "[[]\nlost = 1\n[[b]] junk\nlost = 2\n[[]]\nlost = 3\n");
  EXPECT_EQ(c.params, (std::map<std::string, std::string>{{"account", "a"}}));
  EXPECT_EQ(c.subsections.size(), 2u);
  EXPECT_EQ(c.subsections.at("webroot_map").at("x.test"), "/var/www");
  EXPECT_EQ(c.subsections.at("a]").at("k"), "v");
  const auto again = parse_renewal_config(format_renewal_config("example.test", "/etc/acmekit", c));
  EXPECT_EQ(again.params, c.params);
  EXPECT_EQ(again.subsections, c.subsections);
}

// certbot's account: accounts/SERVER/directory/ID/{private_key.json (a
// private JWK), regr.json ({"body": {...}, "uri"}), meta.json}, used as is.
// An account as certbot leaves it (its key written by josepy), in DIR.
fs::path write_certbot_account(const fs::path& dir) {
  const fs::path acct = dir / "accounts/acme.test/directory/9f86d081884c7d65";
  fs::create_directories(acct);
  EXPECT_TRUE(write_file_atomic(
      acct / "private_key.json",
      R"({"d": "_Bke9cfOVjsKyVuX1C9f7BNAdBHw9esmoqrrnPEtJ_E", "x": "6bJ-8bKSESe5PgLPcqdoyXd7ujQdqqUICyLPqXgrV5I", )"
      R"("y": "6L3GwhsDEEA1sa_JHiMW_JzttTxWbhtWJf30FavE0II", "crv": "P-256", "kty": "EC"})",
      0400));
  EXPECT_TRUE(write_file_atomic(
      acct / "regr.json",
      R"({"body": {"contact": ["mailto:admin@acme.test"], "status": "valid"}, "uri": "https://acme.test/acct/7"})",
      0644));
  EXPECT_TRUE(write_file_atomic(acct / "meta.json", R"({"creation_dt": "2024-01-01T00:00:00Z"})", 0644));
  return acct;
}

TEST_F(LineageStoreTest, CertbotsAccountIsUsedAsItIs) {
  write_certbot_account(dir);
  AccountStore accounts(dir);
  auto list = accounts.list("https://acme.test/directory");
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].id, "9f86d081884c7d65");
  EXPECT_EQ((*list)[0].url, "https://acme.test/acct/7");
  EXPECT_EQ((*list)[0].contact, std::vector<std::string>{"mailto:admin@acme.test"});
  EXPECT_EQ((*list)[0].key.algorithm(), crypto::KeyAlgorithm::kEcP256);
  auto current = accounts.current_key("https://acme.test/directory", (*list)[0]);
  ASSERT_TRUE(current) << current.error().message();
  EXPECT_TRUE(current->public_key() == (*list)[0].key.public_key());
}

// A key rollover on certbot's account replaces its private_key.json (in
// certbot's form, 0400) and leaves no private_key.pem beside it: certbot
// signs with the key the CA now has.
TEST_F(LineageStoreTest, KeyRolloverOnCertbotsAccountRewritesItsJwk) {
  const fs::path acct = write_certbot_account(dir);
  AccountStore accounts(dir);
  auto list = accounts.list("https://acme.test/directory");
  ASSERT_TRUE(list && list->size() == 1u);
  auto fresh = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP384});
  ASSERT_TRUE(fresh);
  ASSERT_TRUE(accounts.stage_key("https://acme.test/directory", (*list)[0], *fresh));
  ASSERT_TRUE(accounts.commit_key("https://acme.test/directory", (*list)[0]));
  EXPECT_FALSE(fs::exists(acct / "private_key.pem"));
  EXPECT_FALSE(accounts.has_staged_key("https://acme.test/directory", (*list)[0]));
  auto jwk = nlohmann::json::parse(read_file(acct / "private_key.json").value());
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-384");
  auto on_disk = crypto::PrivateKey::from_jwk(jwk);
  ASSERT_TRUE(on_disk);
  EXPECT_TRUE(on_disk->public_key() == fresh->public_key());
  struct stat st{};
  ASSERT_EQ(::stat((acct / "private_key.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0400u);
  auto current = accounts.current_key("https://acme.test/directory", (*list)[0]);
  ASSERT_TRUE(current);
  EXPECT_TRUE(current->public_key() == fresh->public_key());
}

TEST(AccountStoreTest, ServerDirectoryNamesStayInside) {
  EXPECT_EQ(AccountStore::server_dir_name("https://acme-v02.api.letsencrypt.org/directory"),
            "acme-v02.api.letsencrypt.org/directory");
  EXPECT_EQ(AccountStore::server_dir_name("https://127.0.0.1:14000/dir"), "127.0.0.1:14000/dir");
  EXPECT_EQ(AccountStore::server_dir_name("https://h/../../etc/x"), "h/etc/x");
  EXPECT_EQ(AccountStore::server_dir_name("https://h/a?b=c"), "h/a_b_c");
}

TEST(AtomicFileTest, WritesExactModeAndReplaces) {
  fs::path p = fs::temp_directory_path() / ("acmekit-atomic-" + std::to_string(::getpid())) / "k.pem";
  ASSERT_TRUE(write_file_atomic(p, "one", 0600));
  ASSERT_TRUE(write_file_atomic(p, "two", 0600));
  EXPECT_EQ(read_file(p).value(), "two");
  struct stat st{};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // No temp files left behind.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(p.parent_path())) ++entries;
  EXPECT_EQ(entries, 1);
  fs::remove_all(p.parent_path());
}

}  // namespace
}  // namespace acmekit::client::store
