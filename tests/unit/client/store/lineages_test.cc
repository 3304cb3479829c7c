#include "client/store/lineages.h"

#include <sys/stat.h>

#include <gtest/gtest.h>

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
