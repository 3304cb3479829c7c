#include "client/challenge/manual_hooks.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace acmekit::client::challenge {
namespace {
namespace fs = std::filesystem;

class ManualHooksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/acmekit-manual-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // A hook that writes its CERTBOT_* environment to dir_/NAME.
  std::string recorder(const std::string& name, const std::string& extra = "") const {
    return "env | grep '^CERTBOT_' | sort > '" + (dir_ / name).string() + "'" + extra;
  }
  std::map<std::string, std::string> recorded(const std::string& name) const {
    std::map<std::string, std::string> env;
    std::ifstream in(dir_ / name);
    for (std::string line; std::getline(in, line);) {
      auto eq = line.find('=');
      if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
    }
    return env;
  }
  fs::path dir_;
};

const Task kHttpTask{.identifier = "example.com",
                     .challenge_type = wire::ChallengeType::kHttp01,
                     .token = "tok-1",
                     .key_authorization = "tok-1.thumb",
                     .remaining = 1,
                     .all_identifiers = "example.com,www.example.com"};

TEST_F(ManualHooksTest, Http01GetsCertbotsVariables) {
  ManualHookSolver solver(wire::ChallengeType::kHttp01, recorder("auth", "; echo published"), recorder("cleanup"));
  ASSERT_TRUE(solver.present(kHttpTask));
  auto env = recorded("auth");
  EXPECT_EQ(env["CERTBOT_DOMAIN"], "example.com");
  EXPECT_EQ(env["CERTBOT_VALIDATION"], "tok-1.thumb");
  EXPECT_EQ(env["CERTBOT_TOKEN"], "tok-1");
  EXPECT_EQ(env["CERTBOT_REMAINING_CHALLENGES"], "1");
  EXPECT_EQ(env["CERTBOT_ALL_DOMAINS"], "example.com,www.example.com");
  EXPECT_FALSE(env.contains("CERTBOT_AUTH_OUTPUT"));
  ASSERT_TRUE(solver.cleanup(kHttpTask));
  env = recorded("cleanup");
  EXPECT_EQ(env["CERTBOT_AUTH_OUTPUT"], "published");
  EXPECT_EQ(env["CERTBOT_TOKEN"], "tok-1");
}

TEST_F(ManualHooksTest, Dns01GetsTheTxtValueAndNoToken) {
  Task t{.identifier = "example.com", .wildcard = true, .challenge_type = wire::ChallengeType::kDns01, .token = "tok-2",
         .key_authorization = "tok-2.thumb", .dns_name = "_acme-challenge.example.com",
         .dns_value = "txt-value", .all_identifiers = "example.com"};
  ManualHookSolver solver(wire::ChallengeType::kDns01, recorder("auth"), "");
  ASSERT_TRUE(solver.present(t));
  auto env = recorded("auth");
  EXPECT_EQ(env["CERTBOT_DOMAIN"], "example.com");
  EXPECT_EQ(env["CERTBOT_VALIDATION"], "txt-value");
  EXPECT_FALSE(env.contains("CERTBOT_TOKEN"));
  EXPECT_TRUE(solver.cleanup(t));  // no cleanup hook: nothing to do
}

TEST_F(ManualHooksTest, DataNeverReachesTheShellAsCode) {
  // A value with shell syntax stays a value: the command string is the
  // user's, the data is only in the environment.
  Task t = kHttpTask;
  t.identifier = "$(touch " + (dir_ / "pwned").string() + ")";
  ManualHookSolver solver(wire::ChallengeType::kHttp01, "printf '%s' \"$CERTBOT_DOMAIN\" > '" + (dir_ / "seen").string() + "'", "");
  ASSERT_TRUE(solver.present(t));
  EXPECT_FALSE(fs::exists(dir_ / "pwned"));
  std::ifstream in(dir_ / "seen");
  std::stringstream s;
  s << in.rdbuf();
  EXPECT_EQ(s.str(), t.identifier);
}

TEST_F(ManualHooksTest, AFailingHookIsAnErrorNamingIt) {
  ManualHookSolver solver(wire::ChallengeType::kHttp01, "exit 3", recorder("cleanup"));
  auto r = solver.present(kHttpTask);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("manual auth hook for example.com"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("status 3"), std::string::npos) << r.error().detail;
  // Cleanup after a failed present still runs the cleanup hook.
  EXPECT_TRUE(solver.cleanup(kHttpTask));
  EXPECT_EQ(recorded("cleanup")["CERTBOT_AUTH_OUTPUT"], "");
}

}  // namespace
}  // namespace acmekit::client::challenge
