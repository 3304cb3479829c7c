#include "client/challenge/webroot.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <set>
#include <thread>
#include <sstream>

namespace acmekit::client::challenge {
namespace {
namespace fs = std::filesystem;

const Task kTask{.identifier = "example.com",
                 .challenge_type = wire::ChallengeType::kHttp01,
                 .token = "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0",
                 .key_authorization =
                     "LoqXcYV8q5ONbJQxbmR7SCTNo3tiAXDfowyjxAjEuX0.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI"};

class WebrootTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/acmekit-webroot-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    // A strict umask must not change the modes we promise.
    old_umask_ = ::umask(077);
  }
  void TearDown() override {
    ::umask(old_umask_);
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  // Every path under root_, relative.
  std::set<std::string> tree() const {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root_)) {
      out.insert(fs::relative(e.path(), root_).string());
    }
    return out;
  }
  static unsigned mode_of(const fs::path& p) {
    struct stat st {};
    EXPECT_EQ(::stat(p.c_str(), &st), 0) << p;
    return st.st_mode & 07777;
  }
  static std::string content_of(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }
  fs::path token_file(const Task& t) const {
    return root_ / ".well-known" / "acme-challenge" / t.token;
  }

  fs::path root_;
  mode_t old_umask_ = 022;
};

TEST_F(WebrootTest, PresentWritesExactFileAndCleanupRestoresTheDirectory) {
  WebrootSolver solver(root_);
  EXPECT_EQ(solver.type(), wire::ChallengeType::kHttp01);
  ASSERT_TRUE(tree().empty());

  auto st = solver.present(kTask);
  ASSERT_TRUE(st.has_value()) << st.error().detail;
  EXPECT_EQ(content_of(token_file(kTask)), kTask.key_authorization);
  EXPECT_EQ(mode_of(token_file(kTask)), 0644u);
  EXPECT_EQ(mode_of(root_ / ".well-known"), 0755u);
  EXPECT_EQ(mode_of(root_ / ".well-known" / "acme-challenge"), 0755u);
  // No temp file left behind.
  EXPECT_EQ(tree(), (std::set<std::string>{".well-known", ".well-known/acme-challenge",
                                           ".well-known/acme-challenge/" + kTask.token}));

  st = solver.cleanup(kTask);
  ASSERT_TRUE(st.has_value()) << st.error().detail;
  EXPECT_TRUE(tree().empty());
}

TEST_F(WebrootTest, PreexistingDirectoriesAndFilesAreKept) {
  fs::create_directories(root_ / ".well-known");
  std::ofstream(root_ / ".well-known" / "security.txt") << "contact: x\n";
  const auto before = tree();

  WebrootSolver solver(root_);
  ASSERT_TRUE(solver.present(kTask).has_value());
  ASSERT_TRUE(solver.cleanup(kTask).has_value());
  EXPECT_EQ(tree(), before);

  // An existing, empty acme-challenge directory stays too.
  fs::create_directories(root_ / ".well-known" / "acme-challenge");
  const auto before2 = tree();
  WebrootSolver solver2(root_);
  ASSERT_TRUE(solver2.present(kTask).has_value());
  ASSERT_TRUE(solver2.cleanup(kTask).has_value());
  EXPECT_EQ(tree(), before2);
}

TEST_F(WebrootTest, CleanupSucceedsWhenFileAlreadyGone) {
  WebrootSolver solver(root_);
  ASSERT_TRUE(solver.present(kTask).has_value());
  fs::remove(token_file(kTask));
  auto st = solver.cleanup(kTask);
  ASSERT_TRUE(st.has_value()) << st.error().detail;
  EXPECT_TRUE(tree().empty());
  // And cleanup without present.
  EXPECT_TRUE(WebrootSolver(root_).cleanup(kTask).has_value());
}

TEST_F(WebrootTest, SeveralTokensDirectoriesGoWithTheLast) {
  WebrootSolver solver(root_);
  Task other = kTask;
  other.token = "second-Token_2";
  other.key_authorization = "second-Token_2.thumb";
  ASSERT_TRUE(solver.present(kTask).has_value());
  ASSERT_TRUE(solver.present(other).has_value());
  ASSERT_TRUE(solver.cleanup(kTask).has_value());
  EXPECT_EQ(content_of(token_file(other)), other.key_authorization);
  EXPECT_FALSE(fs::exists(token_file(kTask)));
  ASSERT_TRUE(solver.cleanup(other).has_value());
  EXPECT_TRUE(tree().empty());
}

// Two runs sharing one webroot (two acmekit processes; here two solvers,
// each with its own lock, on two threads): one's cleanup removes the
// directories it made while the other is between its mkdir and its write.
// The other makes them again: every present() succeeds and its token is
// served until its own cleanup, and nothing is left at the end.
TEST_F(WebrootTest, TwoRunsSharingAWebrootKeepEachOthersDirectories) {
  std::atomic<int> failures = 0;
  auto run = [&](const std::string& prefix) {
    WebrootSolver solver(root_);
    for (int i = 0; i < 300; ++i) {
      Task t = kTask;
      t.token = prefix + std::to_string(i);
      t.key_authorization = t.token + ".thumb";
      auto presented = solver.present(t);
      if (!presented) {
        ADD_FAILURE() << presented.error().message();
        ++failures;
      } else if (content_of(token_file(t)) != t.key_authorization) {
        ADD_FAILURE() << "token " << t.token << " not served";
        ++failures;
      }
      if (auto c = solver.cleanup(t); !c) {
        ADD_FAILURE() << c.error().message();
        ++failures;
      }
      if (failures > 5) return;
    }
  };
  std::thread a(run, "a"), b(run, "b");
  a.join();
  b.join();
  EXPECT_EQ(failures, 0);
  // No token is left behind (a directory may be: the last cleanup of one
  // run can find the other's token still in it).
  for (const auto& path : tree()) EXPECT_TRUE(fs::is_directory(root_ / path)) << path;
}

TEST_F(WebrootTest, PresentOverwrites) {
  WebrootSolver solver(root_);
  Task t = kTask;
  t.key_authorization = "old";
  ASSERT_TRUE(solver.present(t).has_value());
  ASSERT_TRUE(solver.present(kTask).has_value());
  EXPECT_EQ(content_of(token_file(kTask)), kTask.key_authorization);
  ASSERT_TRUE(solver.cleanup(kTask).has_value());
  EXPECT_TRUE(tree().empty());
}

TEST_F(WebrootTest, BadTokensAreRejectedAndNothingIsCreated) {
  WebrootSolver solver(root_);
  for (const char* token : {"", "../evil", "a/b", "abc=", "a.b", "a b", "..", "tok\n"}) {
    Task t = kTask;
    t.token = token;
    auto st = solver.present(t);
    ASSERT_FALSE(st.has_value()) << token;
    EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument) << token;
    EXPECT_TRUE(solver.cleanup(t).has_value()) << token;
  }
  EXPECT_TRUE(tree().empty());
  EXPECT_FALSE(fs::exists(root_.parent_path() / "evil"));
}

TEST_F(WebrootTest, MissingWebrootIsRejected) {
  WebrootSolver solver(root_ / "does-not-exist");
  auto st = solver.present(kTask);
  ASSERT_FALSE(st.has_value());
  EXPECT_EQ(st.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(st.error().detail.find("does-not-exist"), std::string::npos);
  EXPECT_TRUE(tree().empty());
}

}  // namespace
}  // namespace acmekit::client::challenge
