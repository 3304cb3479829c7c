// The propagation check against two real BINDs serving one zone, each from
// its own file (ns1 = 127.0.0.1, ns2 = ::1, one port), so a record can be on
// one and not yet on the other. A fake clock: nothing sleeps.
#include "core/dns/propagation.h"

#include <gtest/gtest.h>

#include "bind_server.h"
#include "core/dns/update.h"
#include "support/fake_clock.h"

namespace acmekit::dns {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test_support::BindServer;
using test_support::FakeClock;

class DnsPropagationTest : public ::testing::Test {
 protected:
  // Started by the first test (so a named that cannot start fails every
  // test, none is skipped), stopped after the last.
  void SetUp() override {
    if (!started_) {
      started_ = true;
      // 127.0.0.3 too: lame.test's second server is there, and nothing listens.
      port_ = test_support::free_dns_port({"127.0.0.1", "::1", "127.0.0.3"});
      const BindServer::Key key{"acme-update", "hmac-sha256", test_support::random_secret_base64()};
      const BindServer::Zone example{
          .name = "example.test",
          .name_servers = {{"ns1.example.test", "127.0.0.1"}, {"ns2.example.test", "::1"}},
          // lego/cert-manager style delegation of the validation name.
          .records = "@ IN A 127.0.0.1\n_acme-challenge.alias IN CNAME validation.example.test.\n"};
      const BindServer::Zone lame{.name = "lame.test",
                                  .name_servers = {{"ns1.lame.test", "127.0.0.1"}, {"ns3.lame.test", "127.0.0.3"}},
                                  .records = ""};
      first_ = new BindServer;
      second_ = new BindServer;
      ASSERT_NO_FATAL_FAILURE(
          first_->start(BindServer::Options{.address = "127.0.0.1", .port = port_, .zones = {example, lame}, .keys = {key}}));
      ASSERT_NO_FATAL_FAILURE(
          second_->start(BindServer::Options{.address = "::1", .port = port_, .zones = {example}, .keys = {key}}));
    }
    ASSERT_TRUE(first_ != nullptr && first_->ready() && second_->ready()) << "named did not start (see the first test)";
  }
  static void TearDownTestSuite() {
    delete first_;
    delete second_;
    first_ = second_ = nullptr;
    started_ = false;
  }

  static Updater updater(const BindServer& server) {
    UpdateServer o;
    o.endpoint = server.endpoint_struct();
    o.key = server.tsig_key();
    return Updater(o, system_clock_);
  }
  static void add(const BindServer& server, const std::string& zone, const std::string& name, const std::string& v) {
    auto r = updater(server).add_txt(zone, name, v);
    ASSERT_TRUE(r) << r.error().detail;
  }
  Resolver resolver() const { return Resolver({first_->endpoint()}, milliseconds(2000)); }
  PropagationOptions options() const {
    PropagationOptions o;
    o.timeout = seconds(10);
    o.interval = seconds(2);
    o.query_timeout = milliseconds(1000);
    o.port = port_;
    return o;
  }
  std::string ns2() const { return "ns2.example.test ([::1]:" + std::to_string(port_) + ")"; }

  static inline bool started_ = false;
  static inline uint16_t port_ = 0;
  static inline BindServer* first_ = nullptr;
  static inline BindServer* second_ = nullptr;
  static inline SystemClock system_clock_;
};

TEST_F(DnsPropagationTest, ServedEverywhereSucceedsAtOnce) {
  const std::string name = "_acme-challenge.now.example.test";
  add(*first_, "example.test", name, "value-now");
  add(*second_, "example.test", name, "value-now");
  FakeClock clock;
  auto st = wait_for_propagation({{name, "value-now"}}, resolver(), options(), clock);
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_TRUE(clock.slept().empty());
}

TEST_F(DnsPropagationTest, TimesOutNamingTheLaggingServerAndRecord) {
  const std::string name = "_acme-challenge.lag.example.test";
  add(*first_, "example.test", name, "value-lag");
  FakeClock clock;
  auto st = wait_for_propagation({{name, "value-lag"}}, resolver(), options(), clock);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(st.error().detail,
            "DNS propagation timed out after 10 s: " + ns2() + " does not serve TXT \"value-lag\" at " + name);
  // 0.25 s, doubling up to the 2 s interval, the last one cut at the 10 s timeout.
  EXPECT_EQ(clock.slept(), (std::vector<milliseconds>{milliseconds(250), milliseconds(500), seconds(1), seconds(2),
                                                     seconds(2), seconds(2), seconds(2), milliseconds(250)}));
}

TEST_F(DnsPropagationTest, RecordThatReachesTheSecondServerAfterThreePolls) {
  const std::string name = "_acme-challenge.later.example.test";
  add(*first_, "example.test", name, "value-later");
  FakeClock clock;
  clock.on_sleep = [&](int sleeps) {
    if (sleeps == 3) add(*second_, "example.test", name, "value-later");
  };
  auto st = wait_for_propagation({{name, "value-later"}}, resolver(), options(), clock);
  ASSERT_TRUE(st) << st.error().detail;
  EXPECT_EQ(clock.slept().size(), 3u);  // rounds 1-3 missed it, round 4 found it
}

// A name and its wildcard: two values at one _acme-challenge name, each
// checked on its own.
TEST_F(DnsPropagationTest, TwoValuesAtOneNameEachMustBeServed) {
  const std::string name = "_acme-challenge.both.example.test";
  add(*first_, "example.test", name, "apex");
  add(*first_, "example.test", name, "wildcard");
  add(*second_, "example.test", name, "apex");
  FakeClock clock;
  const std::vector<TxtRecord> records = {{name, "apex"}, {name, "wildcard"}};
  auto st = wait_for_propagation(records, resolver(), options(), clock);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().detail,
            "DNS propagation timed out after 10 s: " + ns2() + " does not serve TXT \"wildcard\" at " + name);
  add(*second_, "example.test", name, "wildcard");
  FakeClock again;
  auto ok = wait_for_propagation(records, resolver(), options(), again);
  ASSERT_TRUE(ok) << ok.error().detail;
}

TEST_F(DnsPropagationTest, CnameAtTheChallengeNameIsFollowed) {
  const std::string name = "_acme-challenge.alias.example.test";
  add(*first_, "example.test", "validation.example.test", "delegated");
  FakeClock clock;
  auto st = wait_for_propagation({{name, "delegated"}}, resolver(), options(), clock);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find(ns2() + " does not serve TXT \"delegated\" at " + name +
                                   " (CNAME to validation.example.test)"),
            std::string::npos)
      << st.error().detail;
  add(*second_, "example.test", "validation.example.test", "delegated");
  FakeClock again;
  auto ok = wait_for_propagation({{name, "delegated"}}, resolver(), options(), again);
  ASSERT_TRUE(ok) << ok.error().detail;
}

TEST_F(DnsPropagationTest, UnreachableServerIsNotYetAndItsErrorIsShown) {
  const std::string name = "_acme-challenge.lame.test";
  add(*first_, "lame.test", name, "value-lame");
  FakeClock clock;
  auto options = this->options();
  options.timeout = seconds(4);
  auto st = wait_for_propagation({{name, "value-lame"}}, resolver(), options, clock);
  ASSERT_FALSE(st);
  const std::string ns3 = "ns3.lame.test (127.0.0.3:" + std::to_string(port_) + ")";
  EXPECT_NE(st.error().detail.find("DNS propagation timed out after 4 s: " + ns3 + " does not serve TXT \"value-lame\" at " +
                                   name + " (last error: 127.0.0.3:" + std::to_string(port_) + ": receive: Connection refused)"),
            std::string::npos)
      << st.error().detail;
  EXPECT_EQ(st.error().detail.find("ns1.lame.test"), std::string::npos) << "ns1 serves it: " << st.error().detail;
}

TEST_F(DnsPropagationTest, ZoneDiscoveryFailureIsAnError) {
  FakeClock clock;
  auto st = wait_for_propagation({{"_acme-challenge.unknown.invalid", "v"}}, resolver(), options(), clock);
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().detail.find("REFUSED"), std::string::npos) << st.error().detail;
  EXPECT_TRUE(clock.slept().empty());
}

}  // namespace
}  // namespace acmekit::dns
