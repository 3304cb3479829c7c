// The answer to a challenge (RFC 8555 §7.5.1) when the CA waits for the
// validation it starts (RaOptions::validation_wait), against the in-process
// CA over HTTPS with http-01 on a real responder: the answer carries the
// outcome, valid or invalid, and the authorization and the order are already
// past it; with no place to wait the answer comes at once, "processing", and
// the validation still ends valid.
#include "ca_fixture.h"

namespace acmekit::server::wfe::probe {
namespace {

using namespace std::chrono_literals;

ra::RaOptions waiting(int waiters) {
  ra::RaOptions options{.validation_threads = 2};
  options.validation_wait = 10s;
  options.validation_waiters = waiters;
  return options;
}

// An account with a new order for `name`, and that order's one authorization.
struct Pending {
  TestAccount account;
  Json order;
  std::string authz_url;
  Json authz;
};

Result<Pending> pending_order(InProcessCa& ca, const std::string& name) {
  ACMEKIT_TRY(auto account, ca.new_account());
  ACMEKIT_TRY(auto order, ca.new_order(account, {name}));
  const std::string authz_url = order.value("authorizations", Json::array()).at(0).get<std::string>();
  Response r = ca.post(account, authz_url, std::string_view());
  if (r.status != 200) return std::unexpected(Error{.kind = ErrorKind::kProtocol, .detail = "authz: " + r.body});
  return Pending{std::move(account), std::move(order), authz_url, Json::parse(r.body, nullptr, false)};
}

std::string status_of(InProcessCa& ca, const TestAccount& account, const std::string& url) {
  Response r = ca.post(account, url, std::string_view());
  EXPECT_EQ(r.status, 200) << r.body;
  return Json::parse(r.body, nullptr, false).value("status", "");
}

TEST(CaValidationWait, TheAnswerCarriesTheValidOutcome) {
  auto started = InProcessCa::start({}, waiting(1));
  ASSERT_TRUE(started) << started.error().message();
  InProcessCa& ca = **started;
  auto p = pending_order(ca, "probe.test");
  ASSERT_TRUE(p) << p.error().message();
  auto challenge_url = ca.present_http01(p->account, p->authz);
  ASSERT_TRUE(challenge_url) << challenge_url.error().message();

  Response answer = ca.post(p->account, *challenge_url, Json::object());
  ASSERT_EQ(answer.status, 200) << answer.body;
  Json challenge = Json::parse(answer.body, nullptr, false);
  EXPECT_EQ(challenge.value("status", ""), "valid") << answer.body;
  EXPECT_TRUE(challenge.contains("validated")) << answer.body;
  EXPECT_FALSE(challenge.contains("error")) << answer.body;
  EXPECT_FALSE(answer.headers.get("retry-after").has_value());
  EXPECT_EQ(answer.headers.get("link").value_or(""), "<" + p->authz_url + ">;rel=\"up\"");

  // Nothing to poll for: the authorization is valid and the order ready on
  // the very next look.
  EXPECT_EQ(status_of(ca, p->account, p->authz_url), "valid");
  EXPECT_EQ(status_of(ca, p->account, p->order.value("url", "")), "ready");
}

TEST(CaValidationWait, TheAnswerCarriesTheFailedOutcome) {
  auto started = InProcessCa::start({}, waiting(1));
  ASSERT_TRUE(started) << started.error().message();
  InProcessCa& ca = **started;
  auto p = pending_order(ca, "www.probe.test");
  ASSERT_TRUE(p) << p.error().message();
  std::string challenge_url;
  for (const auto& ch : p->authz.value("challenges", Json::array())) {
    if (ch.value("type", "") == "http-01") challenge_url = ch.value("url", "");
  }
  ASSERT_FALSE(challenge_url.empty()) << p->authz.dump();

  // Nothing presented: the responder answers 404 (§8.3).
  Response answer = ca.post(p->account, challenge_url, Json::object());
  ASSERT_EQ(answer.status, 200) << answer.body;
  Json challenge = Json::parse(answer.body, nullptr, false);
  EXPECT_EQ(challenge.value("status", ""), "invalid") << answer.body;
  ASSERT_TRUE(challenge.contains("error")) << answer.body;
  EXPECT_TRUE(challenge["error"].value("type", "").starts_with("urn:ietf:params:acme:error:")) << answer.body;
  EXPECT_NE(challenge["error"].value("detail", "").find("404"), std::string::npos) << answer.body;
  EXPECT_EQ(status_of(ca, p->account, p->authz_url), "invalid");
  EXPECT_EQ(status_of(ca, p->account, p->order.value("url", "")), "invalid");
}

TEST(CaValidationWait, WithNoPlaceToWaitTheAnswerComesAtOnce) {
  auto started = InProcessCa::start({}, waiting(0));
  ASSERT_TRUE(started) << started.error().message();
  InProcessCa& ca = **started;
  auto p = pending_order(ca, "issue.test");
  ASSERT_TRUE(p) << p.error().message();
  auto challenge_url = ca.present_http01(p->account, p->authz);
  ASSERT_TRUE(challenge_url) << challenge_url.error().message();

  Response answer = ca.post(p->account, *challenge_url, Json::object());
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(Json::parse(answer.body, nullptr, false).value("status", ""), "processing") << answer.body;
  // The validation goes on without the answer.
  auto valid = ca.poll_until(p->account, p->authz_url, "valid");
  EXPECT_TRUE(valid) << valid.error().message();
}

}  // namespace
}  // namespace acmekit::server::wfe::probe
