// The install transaction (transaction.h) over a web server that accepts
// every configuration: what it writes, where, with which modes.
#include "client/install/transaction.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {
namespace fs = std::filesystem;

class AcceptingServer final : public WebServer {
 public:
  std::string_view name() const override { return "test"; }
  Result<FileEdits> challenge_edits(const std::vector<Http01Response>&, const std::vector<std::string>&) override {
    return FileEdits{};
  }
  Result<FileEdits> install_edits(const InstallRequest&) override { return FileEdits{}; }
  Status config_test() override {
    if (refuse) return make_error(ErrorKind::kFailedPrecondition, "test configuration test failed: bad");
    return {};
  }
  Status reload() override {
    ++reloads;
    return {};
  }
  int reloads = 0;
  bool refuse = false;
};

unsigned mode_of(const fs::path& p) {
  struct stat st{};
  if (::stat(p.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777;
}

// Apache's http-01 token files lie in a directory the transaction makes;
// httpd's workers (www-data) must be able to read them whatever the
// umask (acmekit's is 077 for its keys).
TEST(InstallTransactionTest, NewFilesMissingDirectoriesAreWorldReadable) {
  testing::TempTree t;
  AcceptingServer server;
  const mode_t old_umask = ::umask(077);
  const fs::path token = t.root() / "http01/tokens/tok";
  auto applied = apply_edits(server, {{token.string(), "tok.thumb"}}, {.backup_root = t.root() / "backups"});
  ::umask(old_umask);
  ASSERT_TRUE(applied) << applied.error().message();
  EXPECT_EQ(applied->created, std::vector<std::string>{token.string()});
  EXPECT_EQ(mode_of(t.root() / "http01"), 0755u);
  EXPECT_EQ(mode_of(t.root() / "http01/tokens"), 0755u);
  EXPECT_EQ(mode_of(token), 0644u);
  EXPECT_EQ(server.reloads, 1);

  // Reverted: the file goes, the directories may stay.
  ASSERT_TRUE(revert_edits(server, applied->backup));
  EXPECT_FALSE(fs::exists(token));
}

// A refused configuration: the error says what was put back, a created
// file as removed (there was nothing to restore).
TEST(InstallTransactionTest, RefusedEditsSayWhatWasRestoredAndRemoved) {
  testing::TempTree t;
  AcceptingServer server;
  server.refuse = true;
  const fs::path twin = t.root() / "sites/site-le-ssl.conf";
  auto only_created = apply_edits(server, {{twin.string(), "<VirtualHost *:443>\n</VirtualHost>\n"}},
                                  {.backup_root = t.root() / "backups"});
  ASSERT_FALSE(only_created);
  EXPECT_EQ(only_created.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_NE(only_created.error().detail.find("bad; removed " + twin.string()), std::string::npos)
      << only_created.error().detail;
  EXPECT_EQ(only_created.error().detail.find("restored"), std::string::npos) << only_created.error().detail;
  EXPECT_FALSE(fs::exists(twin));

  const fs::path ports = t.write("ports.conf", "Listen 80\n");
  auto both = apply_edits(server, {{twin.string(), "x\n"}, {ports.string(), "Listen 80\nListen 443\n"}},
                          {.backup_root = t.root() / "backups"});
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().detail.find("bad; restored " + ports.string() + ", removed " + twin.string()),
            std::string::npos)
      << both.error().detail;
  EXPECT_EQ(t.read("ports.conf"), "Listen 80\n");
  EXPECT_FALSE(fs::exists(twin));
  EXPECT_EQ(server.reloads, 0);
}

}  // namespace
}  // namespace acmekit::client::install
