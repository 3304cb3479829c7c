// RFC 2136 updates with TSIG against a real BIND.
#include "core/dns/update.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>

#include "bind_server.h"
#include "core/dns/message.h"

namespace acmekit::dns {
namespace {

using std::chrono::milliseconds;
using test_support::BindServer;
using Values = std::vector<std::string>;

// Every algorithm certbot offers, one key each; the first is the default one.
const std::vector<BindServer::Key> kKeys = {
    {"acme-update", "hmac-sha256", ""}, {"key-md5", "hmac-md5", ""},       {"key-sha1", "hmac-sha1", ""},
    {"key-sha224", "hmac-sha224", ""},  {"key-sha384", "hmac-sha384", ""}, {"key-sha512", "hmac-sha512", ""},
};

class DnsUpdateTest : public test_support::SharedBindTest<DnsUpdateTest> {
 public:
  static BindServer::Options bind_options() {
    BindServer::Options o;
    o.keys = kKeys;
    o.zones = {BindServer::Zone{.name = "example.test",
                                .name_servers = {},
                                .records = "@ IN A 127.0.0.1\n* IN A 127.0.0.1\nwww IN A 127.0.0.1\n"}};
    return o;
  }

 protected:
  UpdateServer options(std::size_t key = 0) const {
    UpdateServer o;
    o.endpoint = bind_->endpoint_struct();
    o.key = bind_->tsig_key(key);
    o.timeout = milliseconds(5000);
    return o;
  }
  Updater updater(std::size_t key = 0) const { return Updater(options(key), clock_); }

  SystemClock clock_;
};

TEST_F(DnsUpdateTest, AddsTwoValuesAtOneNameAndDigSeesBoth) {
  const auto up = updater();
  const std::string name = "_acme-challenge.example.test";
  ASSERT_TRUE(up.add_txt("example.test", name, "apex-value"));
  ASSERT_TRUE(up.add_txt("example.test", name, "wildcard-value"));
  EXPECT_EQ(bind_->txt(name), (Values{"apex-value", "wildcard-value"}));
  // The same through dig, an independent client.
  const std::string cmd = "dig +short +norec -p " + std::to_string(bind_->port()) + " @" + bind_->address() + " " +
                          name + " TXT | sort";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  ASSERT_TRUE(pipe);
  std::string out;
  char buf[256];
  while (std::fgets(buf, sizeof buf, pipe.get()) != nullptr) out += buf;
  EXPECT_EQ(out, "\"apex-value\"\n\"wildcard-value\"\n");
  // Adding a value twice is a no-op (RFC 2136 §3.4.2.2).
  ASSERT_TRUE(up.add_txt("example.test", name, "apex-value"));
  EXPECT_EQ(bind_->txt(name).size(), 2u);
  ASSERT_TRUE(up.delete_txt("example.test", name, "apex-value"));
  ASSERT_TRUE(up.delete_txt("example.test", name, "wildcard-value"));
}

// The zone's SOA serial, through dig: each applied UPDATE message bumps it once.
long soa_serial(const BindServer& bind) {
  const std::string cmd = "dig +short +norec -p " + std::to_string(bind.port()) + " @" + bind.address() +
                          " example.test SOA";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(cmd.c_str(), "r"), ::pclose);
  if (!pipe) return -1;
  char buf[512];
  if (std::fgets(buf, sizeof buf, pipe.get()) == nullptr) return -1;
  char mname[256], rname[256];
  long serial = -1;
  if (std::sscanf(buf, "%255s %255s %ld", mname, rname, &serial) != 3) return -1;
  return serial;
}

TEST_F(DnsUpdateTest, ABatchIsOneUpdateOneSerialBumpAndAllOrNothing) {
  const auto up = updater();
  const std::vector<TxtRecord> batch = {{"_acme-challenge.batch.example.test", "apex"},
                                        {"_acme-challenge.batch.example.test", "wildcard"},
                                        {"_acme-challenge.www.batch.example.test", "www"}};
  const long before = soa_serial(*bind_);
  ASSERT_GT(before, 0);
  ASSERT_TRUE(up.add_txt("example.test", batch));
  EXPECT_EQ(soa_serial(*bind_), before + 1);  // RFC 2136 §3.7: one serial increment per UPDATE
  EXPECT_EQ(bind_->txt("_acme-challenge.batch.example.test"), (Values{"apex", "wildcard"}));
  EXPECT_EQ(bind_->txt("_acme-challenge.www.batch.example.test"), (Values{"www"}));

  // A record outside the zone: nothing is sent, nothing changes.
  const std::vector<TxtRecord> bad = {{"_acme-challenge.ok.example.test", "v"}, {"_acme-challenge.other.test", "v"}};
  auto r = up.add_txt("example.test", bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_EQ(r.error().detail, "DNS UPDATE of _acme-challenge.ok.example.test, _acme-challenge.other.test TXT: "
                              "_acme-challenge.other.test is not in zone example.test");
  EXPECT_EQ(bind_->txt("_acme-challenge.ok.example.test"), Values{});

  // Too many for one message: refused before sending.
  std::vector<TxtRecord> many(Updater::kMaxRecordsPerUpdate + 1, TxtRecord{"_acme-challenge.example.test", "x"});
  EXPECT_EQ(up.add_txt("example.test", many).error().kind, ErrorKind::kInvalidArgument);

  ASSERT_TRUE(up.delete_txt("example.test", batch));
  EXPECT_EQ(soa_serial(*bind_), before + 2);
  EXPECT_EQ(bind_->txt("_acme-challenge.batch.example.test"), Values{});
  EXPECT_EQ(bind_->txt("_acme-challenge.www.batch.example.test"), Values{});
}

TEST_F(DnsUpdateTest, DeleteOneLeavesTheOtherAndDeletingTheLastLeavesNoTxt) {
  const auto up = updater();
  const std::string name = "_acme-challenge.www.example.test";
  ASSERT_TRUE(up.add_txt("example.test", name, "first", 60));
  ASSERT_TRUE(up.add_txt("example.test", name, "second", 60));
  ASSERT_TRUE(up.delete_txt("example.test", name, "first"));
  EXPECT_EQ(bind_->txt(name), (Values{"second"}));
  ASSERT_TRUE(up.delete_txt("example.test", name, "second"));
  EXPECT_EQ(bind_->txt(name), Values{});
  // Deleting what is not there succeeds (RFC 2136 §3.4.2.4: ignored).
  EXPECT_TRUE(up.delete_txt("example.test", name, "never-added"));
}

TEST_F(DnsUpdateTest, EveryCertbotAlgorithmIsAcceptedByBind) {
  for (std::size_t k = 0; k < kKeys.size(); ++k) {
    const auto up = updater(k);
    const std::string name = "_acme-challenge.alg" + std::to_string(k) + ".example.test";
    auto added = up.add_txt("example.test", name, "v-" + kKeys[k].algorithm);
    ASSERT_TRUE(added) << kKeys[k].algorithm << ": " << added.error().detail;
    EXPECT_EQ(bind_->txt(name), (Values{"v-" + kKeys[k].algorithm})) << kKeys[k].algorithm;
    ASSERT_TRUE(up.delete_txt("example.test", name, "v-" + kKeys[k].algorithm)) << kKeys[k].algorithm;
  }
}

TEST_F(DnsUpdateTest, UpdatesOverUdpToo) {
  auto o = options();
  o.update_transport = Transport::kUdp;
  const Updater up(o, clock_);
  ASSERT_TRUE(up.add_txt("example.test", "_acme-challenge.udp.example.test", "over-udp"));
  EXPECT_EQ(bind_->txt("_acme-challenge.udp.example.test"), (Values{"over-udp"}));
  ASSERT_TRUE(up.delete_txt("example.test", "_acme-challenge.udp.example.test", "over-udp"));
}

TEST_F(DnsUpdateTest, WrongSecretIsBadsigNamingServerAndNeverTheSecret) {
  auto o = options();
  o.key->secret = "wrong-secret-bytes-0123456789";
  const Updater up(o, clock_);
  auto r = up.add_txt("example.test", "_acme-challenge.example.test", "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kUnavailable);
  EXPECT_EQ(r.error().detail, "DNS UPDATE of _acme-challenge.example.test TXT at " + bind_->endpoint() +
                                  " refused: NOTAUTH (TSIG error BADSIG)");
  EXPECT_EQ(r.error().detail.find("wrong-secret"), std::string::npos);
  EXPECT_EQ(r.error().detail.find(bind_->key().secret), std::string::npos);
  EXPECT_EQ(bind_->txt("_acme-challenge.example.test"), Values{});
}

TEST_F(DnsUpdateTest, UnknownKeyNameIsBadkey) {
  auto o = options();
  o.key->name = "no-such-key";
  const Updater up(o, clock_);
  auto r = up.delete_txt("example.test", "_acme-challenge.example.test", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail, "DNS UPDATE (delete) of _acme-challenge.example.test TXT at " + bind_->endpoint() +
                                  " refused: NOTAUTH (TSIG error BADKEY)");
}

// RFC 8945 §5.2.3: a clock an hour off is refused with BADTIME.
TEST_F(DnsUpdateTest, SkewedClockIsBadtime) {
  struct SkewedClock : Clock {
    std::chrono::system_clock::time_point now() const override {
      return std::chrono::system_clock::now() + std::chrono::hours(1);
    }
    void sleep_for(milliseconds) override {}
  } skewed;
  const Updater up(options(), skewed);
  auto r = up.add_txt("example.test", "_acme-challenge.example.test", "late");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("NOTAUTH (TSIG error BADTIME)"), std::string::npos) << r.error().detail;
}

TEST_F(DnsUpdateTest, UnsignedUpdateIsRefused) {
  auto o = options();
  o.key.reset();
  const Updater up(o, clock_);
  auto r = up.add_txt("example.test", "_acme-challenge.example.test", "unsigned");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().detail,
            "DNS UPDATE of _acme-challenge.example.test TXT at " + bind_->endpoint() + " refused: REFUSED");
}

TEST_F(DnsUpdateTest, ZoneTheServerDoesNotServe) {
  const auto up = updater();
  auto zone = up.find_zone("_acme-challenge.other.test");
  ASSERT_FALSE(zone);
  EXPECT_EQ(zone.error().detail, "DNS server " + bind_->endpoint() +
                                     " is not authoritative for any zone containing _acme-challenge.other.test (REFUSED)");
  auto r = up.add_txt("other.test", "_acme-challenge.other.test", "x");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("DNS UPDATE of _acme-challenge.other.test TXT at " + bind_->endpoint() + " refused: "),
            std::string::npos)
      << r.error().detail;
  auto outside = up.add_txt("example.test", "_acme-challenge.other.test", "x");
  ASSERT_FALSE(outside);
  EXPECT_EQ(outside.error().kind, ErrorKind::kInvalidArgument);
}

TEST_F(DnsUpdateTest, FindsTheZoneOfApexSubNameAndWildcardChallengeName) {
  const auto up = updater();
  EXPECT_EQ(up.find_zone("example.test").value(), "example.test");                      // SOA in the answer
  EXPECT_EQ(up.find_zone("_acme-challenge.x.example.test").value(), "example.test");    // NXDOMAIN + SOA
  EXPECT_EQ(up.find_zone("_acme-challenge.www.example.test").value(), "example.test");  // below www
  // *.example.test makes _acme-challenge.example.test a NODATA answer
  // (the wildcard A matches), SOA in the authority section.
  EXPECT_EQ(up.find_zone("_acme-challenge.example.test").value(), "example.test");
  EXPECT_EQ(up.find_zone("_ACME-Challenge.Example.Test.").value(), "example.test");
  auto o = options();
  o.sign_queries = true;
  EXPECT_EQ(Updater(o, clock_).find_zone("_acme-challenge.example.test").value(), "example.test");
}

TEST_F(DnsUpdateTest, SignedQueryWithWrongKeyIsRefused) {
  auto o = options();
  o.sign_queries = true;
  o.key->name = "no-such-key";
  auto zone = Updater(o, clock_).find_zone("_acme-challenge.example.test");
  ASSERT_FALSE(zone);
  EXPECT_NE(zone.error().detail.find("refused: NOTAUTH (TSIG error BADKEY)"), std::string::npos)
      << zone.error().detail;
}

TEST(DnsUpdateNetworkTest, ClosedPortAndSilentServerNameTheServer) {
  const uint16_t port = test_support::free_dns_port({"127.0.0.1"});
  const SystemClock clock;
  UpdateServer o;
  o.endpoint = Endpoint{"127.0.0.1", port};
  o.key = TsigKey{.name = "k", .algorithm = TsigAlgorithm::kHmacSha256, .secret = "secret"};
  o.timeout = milliseconds(300);
  auto refused = Updater(o, clock).add_txt("example.test", "_acme-challenge.example.test", "v");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(refused.error().detail.find("at 127.0.0.1:" + std::to_string(port) + ": TCP connect"), std::string::npos)
      << refused.error().detail;

  // A TCP listener that accepts and never answers.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  auto silent = Updater(o, clock).add_txt("example.test", "_acme-challenge.example.test", "v");
  ::close(fd);
  ASSERT_FALSE(silent);
  EXPECT_EQ(silent.error().kind, ErrorKind::kTimeout);
  EXPECT_EQ(silent.error().detail, "DNS UPDATE of _acme-challenge.example.test TXT at 127.0.0.1:" +
                                       std::to_string(port) + ": no answer within 300 ms");
  // find_zone over UDP to nothing: refused at once.
  auto zone = Updater(o, clock).find_zone("_acme-challenge.example.test");
  ASSERT_FALSE(zone);
  EXPECT_NE(zone.error().detail.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << zone.error().detail;
}

}  // namespace
}  // namespace acmekit::dns
