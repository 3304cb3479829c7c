// The renewal pass (client/renewal/pass.h) on a real config dir, against
// the shared fake HTTP edge (renewalInfo of a fake CA), the shared fake
// clock, and a fake issuance that signs with a test CA: nothing due, due by
// the 1/3 rule, due by the CA's ARI window, revoked, a rateLimited hold,
// one lineage failing while the others renew, hooks run and skipped.
#include "client/renewal/pass.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>

#include "client/renewal/rate_limits.h"
#include "client/store/atomic_file.h"
#include "client/store/revocations.h"
#include "core/crypto/x509_builder.h"
#include "core/wire/renewal_info.h"
#include "support/fake_clock.h"
#include "support/fake_http.h"

namespace acmekit::client {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test_support::FakeClock;
using test_support::FakeHttp;
using TimePoint = std::chrono::system_clock::time_point;

constexpr const char* kAriServer = "https://ari.test/dir";
constexpr const char* kPlainServer = "https://plain.test/dir";

std::string read(const fs::path& p) {
  std::ifstream in(p);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class RenewalPassTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-pass-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
    hook_log = dir / "hooks.log";
    ca_key = *crypto::PrivateKey::generate({});
    ca_der = *crypto::sign_certificate({.common_name = "Pass Test CA", .serial = "\x01",
                                        .not_before = clock.now() - 24h * 400, .not_after = clock.now() + 24h * 400,
                                        .is_ca = true},
                                       ca_key.public_key(), ca_key, "");
    http.route(kAriServer, 200,
               R"({"newNonce":"https://ari.test/nonce","newAccount":"https://ari.test/acct",)"
               R"("newOrder":"https://ari.test/order","renewalInfo":"https://ari.test/renewal-info"})");
    http.route(kPlainServer, 200,
               R"({"newNonce":"https://plain.test/nonce","newAccount":"https://plain.test/acct",)"
               R"("newOrder":"https://plain.test/order"})");
    deps.clock = &clock;
    deps.ari_http = http.factory();
    deps.random = [] { return 0.0; };  // the start of a window
    deps.obtain = [this](const RenewalCandidate& c, challenge::SolverPool&) -> Result<Obtained> {
      std::lock_guard lock(mu);
      obtained.push_back(c);
      if (auto it = refuse.find(c.name); it != refuse.end()) return std::unexpected(it->second);
      return Obtained{.issued = issue(c.settings.names, clock.now(), clock.now() + 24h * 90),
                      .account = {.id = c.settings.account, .url = "https://ca/acct/1", .key = ca_key}};
    };
  }
  void TearDown() override { fs::remove_all(dir); }

  Issued issue(const std::vector<std::string>& names, TimePoint not_before, TimePoint not_after) {
    auto key = *crypto::PrivateKey::generate({});
    serial += 1;
    auto der = *crypto::sign_certificate({.dns_names = names, .serial = std::string(1, char(serial)),
                                          .not_before = not_before, .not_after = not_after, .server_auth = true},
                                         key.public_key(), ca_key, ca_der);
    Issued out;
    out.cert_pem = *crypto::der_to_pem(der);
    out.chain_pem = *crypto::der_to_pem(ca_der);
    out.fullchain_pem = out.cert_pem + out.chain_pem;
    out.leaf = crypto::parse_pem_chain(out.cert_pem)->front();
    out.key = std::move(key);
    return out;
  }

  // A lineage issued `age` ago for 90 days, from `server`, with `account`.
  std::string add_lineage(const std::string& name, std::chrono::hours age, const std::string& server = kPlainServer,
                          const std::string& account = "acct-1") {
    LineageSettings s{.server = server, .account = account, .names = {name}, .authenticator = "standalone"};
    s.deploy_hook = "echo deploy $RENEWED_DOMAINS >> " + hook_log.string();
    const auto issued = issue({name}, clock.now() - age, clock.now() - age + 24h * 90);
    auto installed = store::LineageStore(dir).install(name, issued.lineage_files(), s.to_config());
    EXPECT_TRUE(installed) << installed.error().message();
    return *wire::ari_certificate_id(issued.leaf);
  }

  std::string live_serial(const std::string& name) {
    auto pem = store::read_file(store::LineageStore(dir).live_paths(name).cert);
    return pem ? crypto::parse_pem_chain(*pem)->front().serial_hex : "";
  }

  RenewOptions hooked() {
    return RenewOptions{.pre_hook = "echo pre >> " + hook_log.string(),
                        .post_hook = "echo post >> " + hook_log.string()};
  }

  Result<RenewReport> pass(const RenewOptions& o) { return run_renewal_pass(dir.string(), o, deps); }

  fs::path dir, hook_log;
  FakeClock clock;
  FakeHttp http;
  RenewDeps deps;
  crypto::PrivateKey ca_key;
  std::string ca_der;
  int serial = 16;
  std::mutex mu;
  std::vector<RenewalCandidate> obtained;
  std::map<std::string, Error> refuse;  // names whose issuance fails, and how
};

TEST_F(RenewalPassTest, NothingDueTouchesNothing) {
  add_lineage("a.test", 24h);
  add_lineage("b.test", 24h * 10);
  auto report = pass(hooked());
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->renewed.empty());
  EXPECT_TRUE(report->failed.empty());
  ASSERT_EQ(report->not_due.size(), 2u);
  // b.test is older: it comes due first, at 60 of its 90 days.
  ASSERT_TRUE(report->next_due);
  EXPECT_EQ(report->next_due->first, "b.test");
  EXPECT_EQ(report->next_due->second, clock.now() - 24h * 10 + 24h * 60);
  EXPECT_TRUE(obtained.empty());
  EXPECT_FALSE(fs::exists(hook_log)) << "hooks ran with nothing due: " << read(hook_log);
  EXPECT_EQ(report->to_json()["format"], 1);
}

TEST_F(RenewalPassTest, DueByTheThirdRuleRenewsRunsHooksAndReplaces) {
  const std::string old_id = add_lineage("old.test", 24h * 70);
  add_lineage("young.test", 24h);
  const std::string before = live_serial("old.test");
  auto report = pass(hooked());
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, std::vector<std::string>{"old.test"});
  ASSERT_EQ(report->due.size(), 1u);
  EXPECT_NE(report->due[0].reason.find("renews below 30"), std::string::npos) << report->due[0].reason;
  ASSERT_EQ(obtained.size(), 1u);
  EXPECT_EQ(obtained[0].replaces, old_id);  // RFC 9773 §5
  EXPECT_NE(live_serial("old.test"), before);
  EXPECT_EQ(read(hook_log), "pre\ndeploy old.test\npost\n");
  EXPECT_EQ(report->results.at("old.test"), std::nullopt);
}

TEST_F(RenewalPassTest, AutorenewOffIsSkippedUnlessForced) {
  add_lineage("off.test", 24h * 70);
  store::LineageStore lineages(dir);
  auto conf = lineages.read_renewal("off.test");
  ASSERT_TRUE(conf);
  conf->params["autorenew"] = "False";  // certbot's --no-autorenew
  ASSERT_TRUE(store::write_file_atomic(dir / "renewal" / "off.test.conf",
                                       store::format_renewal_config("off.test", dir, *conf)));
  const std::string before = live_serial("off.test");
  auto report = pass(hooked());
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_TRUE(report->renewed.empty());
  EXPECT_TRUE(obtained.empty());
  ASSERT_EQ(report->not_due.size(), 1u);
  EXPECT_NE(report->not_due[0].reason.find("autorenew is off"), std::string::npos) << report->not_due[0].reason;
  EXPECT_FALSE(report->next_due) << "a skipped lineage would wake the daemon at once";
  EXPECT_EQ(live_serial("off.test"), before);
  EXPECT_FALSE(fs::exists(hook_log));
  report = pass(RenewOptions{.force_renewal = true});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, std::vector<std::string>{"off.test"});
}

TEST_F(RenewalPassTest, TheCasArIWindowDecides) {
  const std::string in_window = add_lineage("window.test", 24h * 5, kAriServer);
  const std::string later = add_lineage("later.test", 24h * 5, kAriServer);
  // Young certificates, but the CA wants one renewed now (RFC 9773 §4.2).
  http.route(std::string("https://ari.test/renewal-info/") + in_window, 200,
             R"({"suggestedWindow":{"start":"2025-12-31T00:00:00Z","end":"2026-01-02T00:00:00Z"}})",
             {{"Retry-After", "21600"}});
  http.route(std::string("https://ari.test/renewal-info/") + later, 200,
             R"({"suggestedWindow":{"start":"2026-02-01T00:00:00Z","end":"2026-02-02T00:00:00Z"}})",
             {{"Retry-After", "21600"}});
  auto report = pass({});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, std::vector<std::string>{"window.test"});
  ASSERT_EQ(report->not_due.size(), 1u);
  EXPECT_EQ(report->not_due[0].cert_name, "later.test");
  ASSERT_TRUE(report->not_due[0].ari);
  EXPECT_EQ(report->not_due[0].renew_at, report->not_due[0].ari->start);  // random 0.0
  EXPECT_EQ(report->next_ari_fetch, clock.now() + 6h);
  EXPECT_EQ(http.count(std::string("https://ari.test/renewal-info/") + later), 1u);
}

TEST_F(RenewalPassTest, ARevokedLineageIsDueAtOnceWithoutAskingTheCa) {
  const std::string id = add_lineage("revoked.test", 24h, kAriServer);
  store::LineageStore lineages(dir);
  const auto leaf = crypto::parse_pem_chain(*store::read_file(lineages.live_paths("revoked.test").cert))->front();
  ASSERT_TRUE(store::record_revocation(lineages, "revoked.test",
                                       {.fingerprint = store::certificate_fingerprint(leaf.der),
                                        .serial_hex = leaf.serial_hex, .at = clock.now(), .reason = "keycompromise"}));
  auto report = pass({});
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, std::vector<std::string>{"revoked.test"});
  EXPECT_EQ(report->due.at(0).reason, "the live certificate was revoked");
  EXPECT_EQ(http.count(std::string("https://ari.test/renewal-info/") + id), 0u);
}

TEST_F(RenewalPassTest, ARateLimitedAccountIsHeldInThisPassAndTheNext) {
  add_lineage("a.test", 24h * 70, kPlainServer, "acct-limited");
  add_lineage("b.test", 24h * 70, kPlainServer, "acct-limited");
  add_lineage("c.test", 24h * 70, kPlainServer, "acct-other");
  Error limited{.kind = ErrorKind::kAcme, .detail = "too many new orders", .type = "urn:ietf:params:acme:error:rateLimited",
                .status = 429, .retry_after = std::chrono::seconds(3600)};
  refuse.emplace("a.test", limited);
  auto first = pass({});
  ASSERT_TRUE(first) << first.error().message();
  EXPECT_EQ(first->renewed, std::vector<std::string>{"c.test"});
  ASSERT_EQ(first->failed.size(), 2u);
  EXPECT_EQ(*first->failed[1].cert_name, "b.test");
  EXPECT_NE(first->failed[1].error.find("not attempted"), std::string::npos) << first->failed[1].error;
  EXPECT_EQ(obtained.size(), 2u);  // a.test and c.test; b.test was held
  EXPECT_EQ(first->next_rate_limit_release, clock.now() + 1h);

  // The next run, half an hour later: still held, the CA is not asked.
  obtained.clear();
  clock.advance(30min);
  auto second = pass({});
  ASSERT_TRUE(second);
  EXPECT_TRUE(obtained.empty());
  EXPECT_EQ(second->failed.size(), 2u);
  // After the hold ends, both are tried again.
  clock.advance(31min);
  refuse.clear();
  auto third = pass({});
  ASSERT_TRUE(third);
  EXPECT_EQ(third->renewed, (std::vector<std::string>{"a.test", "b.test"}));
}

TEST_F(RenewalPassTest, OneFailingLineageDoesNotStopTheOthers) {
  add_lineage("a.test", 24h * 70);
  add_lineage("b.test", 24h * 70);
  add_lineage("c.test", 24h * 70);
  const std::string b_before = live_serial("b.test");
  refuse.emplace("b.test", Error{.kind = ErrorKind::kAcme, .detail = "CAA forbids it",
                                 .type = "urn:ietf:params:acme:error:caa"});
  RenewOptions o = hooked();
  o.max_parallel = 3;
  auto report = pass(o);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, (std::vector<std::string>{"a.test", "c.test"}));
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_EQ(*report->failed[0].cert_name, "b.test");
  EXPECT_NE(report->failed[0].error.find("CAA forbids it"), std::string::npos);
  EXPECT_EQ(live_serial("b.test"), b_before);  // its certificate stays live
  const std::string log = read(hook_log);
  EXPECT_TRUE(log.starts_with("pre\n") && log.ends_with("post\n")) << log;
  EXPECT_NE(log.find("deploy a.test"), std::string::npos);
  EXPECT_EQ(log.find("deploy b.test"), std::string::npos);
  const auto json = report->to_json();
  EXPECT_EQ(json["failed"][0]["cert_name"], "b.test");
}

TEST_F(RenewalPassTest, HooksAreSkippedOnADryRunAndDirectoryHooksOnRequest) {
  add_lineage("dry.test", 24h);  // not due: a dry run tries it anyway
  const std::string before = live_serial("dry.test");
  RenewOptions dry = hooked();
  dry.dry_run = true;
  auto report = pass(dry);
  ASSERT_TRUE(report) << report.error().message();
  EXPECT_EQ(report->renewed, std::vector<std::string>{"dry.test"});
  EXPECT_EQ(obtained.at(0).replaces, "");  // the live one still needs replacing
  EXPECT_EQ(live_serial("dry.test"), before);
  EXPECT_FALSE(fs::exists(hook_log)) << read(hook_log);

  // CONFIG_DIR/renewal-hooks/deploy/ runs, unless --no-directory-hooks.
  fs::create_directories(dir / "renewal-hooks" / "deploy");
  const fs::path script = dir / "renewal-hooks" / "deploy" / "10-note";
  std::ofstream(script) << "#!/bin/sh\necho dir-deploy $RENEWED_DOMAINS >> " << hook_log.string() << "\n";
  fs::permissions(script, fs::perms::owner_all);
  RenewOptions forced{.force_renewal = true, .no_directory_hooks = true};
  ASSERT_TRUE(pass(forced));
  EXPECT_EQ(read(hook_log), "deploy dry.test\n");
  forced.no_directory_hooks = false;
  ASSERT_TRUE(pass(forced));
  EXPECT_EQ(read(hook_log), "deploy dry.test\ndeploy dry.test\ndir-deploy dry.test\n");
}

TEST_F(RenewalPassTest, APreHookThatFailsStopsThePass) {
  add_lineage("a.test", 24h * 70);
  auto report = pass(RenewOptions{.pre_hook = "exit 3"});
  ASSERT_FALSE(report);
  EXPECT_TRUE(obtained.empty());
}

TEST_F(RenewalPassTest, AnUnknownCertNameIsReported) {
  add_lineage("a.test", 24h);
  auto report = pass(RenewOptions{.cert_names = {"nope.test"}});
  ASSERT_TRUE(report);
  ASSERT_EQ(report->failed.size(), 1u);
  EXPECT_EQ(report->failed[0].error, "no certificate named \"nope.test\"");
}

}  // namespace
}  // namespace acmekit::client
