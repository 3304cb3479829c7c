// CAA decisions (RFC 8659 §4, RFC 8657) on given RRsets, the issue-value
// grammar (RFC 8659 §4.2), and the tree search (§3) against a real BIND.
#include "server/va/caa.h"

#include <gtest/gtest.h>

#include "../../core/dns/bind_server.h"

namespace acmekit::server::va {
namespace {

using dns::CaaRecord;
using wire::ChallengeType;

const std::vector<std::string> kUs = {"ca.test", "other-name.ca.test"};
constexpr const char* kAccount = "https://ca.test/acme/acct/42";

CaaRequest request(bool wildcard = false, ChallengeType method = ChallengeType::kHttp01) {
  return CaaRequest{.name = "example.com", .wildcard = wildcard, .method = method, .account_uri = kAccount};
}

CaaRecord rr(std::string tag, std::string value, uint8_t flags = 0) {
  return CaaRecord{.flags = flags, .tag = std::move(tag), .value = std::move(value)};
}

Status decide(const std::vector<CaaRecord>& rrset, const CaaRequest& req = request()) {
  return caa_decision(req, "example.com", rrset, kUs);
}

void expect_refused(const Status& s, const std::string& detail) {
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().kind, ErrorKind::kAcme);
  EXPECT_EQ(s.error().type, "urn:ietf:params:acme:error:caa");
  EXPECT_EQ(s.error().detail, detail);
}

TEST(CaaDecisionTest, NoRecordPermits) { EXPECT_TRUE(decide({}).has_value()); }

TEST(CaaDecisionTest, IssueForUsPermits) {
  EXPECT_TRUE(decide({rr("issue", "ca.test")}).has_value());
  EXPECT_TRUE(decide({rr("issue", "other-name.ca.test")}).has_value());
  EXPECT_TRUE(decide({rr("issue", "  ca.test  ")}).has_value());
  // One of several issue properties naming us is enough.
  EXPECT_TRUE(decide({rr("issue", "other-ca.example"), rr("issue", "ca.test")}).has_value());
}

TEST(CaaDecisionTest, IssueForSomeoneElseRefusesNamingTheRecord) {
  expect_refused(decide({rr("issue", "other-ca.example")}),
                 "CAA record for example.com prevents issuance: 0 issue \"other-ca.example\"");
  expect_refused(decide({rr("issue", "other-ca.example"), rr("issue", "third.example")}),
                 "CAA record for example.com prevents issuance: 0 issue \"other-ca.example\", "
                 "0 issue \"third.example\"");
  // A suffix or prefix of our name is another name.
  EXPECT_FALSE(decide({rr("issue", "test")}).has_value());
  EXPECT_FALSE(decide({rr("issue", "xca.test")}).has_value());
}

TEST(CaaDecisionTest, EmptyIssueForbidsEveryone) {
  expect_refused(decide({rr("issue", ";")}), "CAA record for example.com prevents issuance: 0 issue \";\"");
  EXPECT_FALSE(decide({rr("issue", "")}).has_value());
  EXPECT_FALSE(decide({rr("issue", " ; ")}).has_value());
}

TEST(CaaDecisionTest, IssuewildOnlyRestrictsWildcardsNotOtherNames) {
  const std::vector<CaaRecord> ours = {rr("issuewild", "ca.test")};
  const std::vector<CaaRecord> theirs = {rr("issuewild", "other-ca.example")};
  EXPECT_TRUE(decide(ours, request(true)).has_value());
  EXPECT_FALSE(decide(theirs, request(true)).has_value());
  // RFC 8659 §4.3: issuewild is ignored for a name that is not a wildcard;
  // with no issue property nothing restricts it.
  EXPECT_TRUE(decide(theirs, request(false)).has_value());
}

TEST(CaaDecisionTest, IssuewildTakesPrecedenceForWildcardsIssueForOthers) {
  const std::vector<CaaRecord> set = {rr("issue", ";"), rr("issuewild", "ca.test")};
  EXPECT_TRUE(decide(set, request(true)).has_value());
  expect_refused(decide(set, request(false)), "CAA record for example.com prevents issuance: 0 issue \";\"");
  const std::vector<CaaRecord> reversed = {rr("issue", "ca.test"), rr("issuewild", ";")};
  EXPECT_TRUE(decide(reversed, request(false)).has_value());
  expect_refused(decide(reversed, request(true)), "CAA record for example.com prevents issuance: 0 issuewild \";\"");
}

TEST(CaaDecisionTest, WildcardFallsBackToIssueWithoutIssuewild) {
  EXPECT_TRUE(decide({rr("issue", "ca.test")}, request(true)).has_value());
  EXPECT_FALSE(decide({rr("issue", "other-ca.example")}, request(true)).has_value());
}

TEST(CaaDecisionTest, UnknownCriticalPropertyRefuses) {
  expect_refused(decide({rr("issue", "ca.test"), rr("tbs", "Unknown", 128)}),
                 "CAA record for example.com prevents issuance: 128 tbs \"Unknown\" (unknown critical property)");
  // Other flag bits are not the critical flag.
  EXPECT_TRUE(decide({rr("issue", "ca.test"), rr("tbs", "Unknown", 1)}).has_value());
  // A known tag with the flag set is processed as usual.
  EXPECT_TRUE(decide({rr("issue", "ca.test", 128)}).has_value());
}

TEST(CaaDecisionTest, NonCriticalUnknownTagsAndIodefAreIgnored) {
  EXPECT_TRUE(decide({rr("tbs", "Unknown"), rr("iodef", "mailto:x@example.com")}).has_value());
  EXPECT_TRUE(decide({rr("issue", "ca.test"), rr("iodef", "mailto:x@example.com")}).has_value());
  EXPECT_TRUE(decide({rr("iodef", "mailto:x@example.com", 128)}).has_value());
}

TEST(CaaDecisionTest, AccountUri) {
  EXPECT_TRUE(decide({rr("issue", std::string("ca.test; accounturi=") + kAccount)}).has_value());
  EXPECT_TRUE(decide({rr("issue", std::string("ca.test ;  accounturi = ") + kAccount + " ")}).has_value());
  expect_refused(decide({rr("issue", "ca.test; accounturi=https://ca.test/acme/acct/7")}),
                 "CAA record for example.com prevents issuance: 0 issue \"ca.test; "
                 "accounturi=https://ca.test/acme/acct/7\" (accounturi is not this account's "
                 "(https://ca.test/acme/acct/42))");
  // Another record for this account is enough.
  EXPECT_TRUE(decide({rr("issue", "ca.test; accounturi=https://ca.test/acme/acct/7"),
                      rr("issue", std::string("ca.test; accounturi=") + kAccount)})
                  .has_value());
  // Given twice: ambiguous, authorizes nothing.
  EXPECT_FALSE(
      decide({rr("issue", std::string("ca.test; accounturi=") + kAccount + "; accounturi=" + kAccount)}).has_value());
}

TEST(CaaDecisionTest, ValidationMethods) {
  EXPECT_TRUE(decide({rr("issue", "ca.test; validationmethods=http-01")}).has_value());
  EXPECT_TRUE(decide({rr("issue", "ca.test; validationmethods=dns-01,http-01")}).has_value());
  expect_refused(decide({rr("issue", "ca.test; validationmethods=dns-01")}),
                 "CAA record for example.com prevents issuance: 0 issue \"ca.test; validationmethods=dns-01\" "
                 "(validationmethods does not list http-01)");
  EXPECT_TRUE(decide({rr("issue", "ca.test; validationmethods=dns-01")}, request(false, ChallengeType::kDns01))
                  .has_value());
  EXPECT_TRUE(decide({rr("issue", "ca.test; validationmethods=tls-alpn-01")},
                     request(false, ChallengeType::kTlsAlpn01))
                  .has_value());
  // No prefix matching: "http-01x" is not http-01.
  EXPECT_FALSE(decide({rr("issue", "ca.test; validationmethods=http-01x")}).has_value());
  // Both parameters at once must hold.
  EXPECT_FALSE(decide({rr("issue", "ca.test; accounturi=https://ca.test/acme/acct/7; validationmethods=http-01")})
                   .has_value());
  EXPECT_TRUE(decide({rr("issue", std::string("ca.test; validationmethods=http-01; accounturi=") + kAccount)})
                  .has_value());
}

TEST(CaaDecisionTest, UnknownParametersAreIgnored) {
  EXPECT_TRUE(decide({rr("issue", "ca.test; policy=ev; other-thing=1")}).has_value());
}

TEST(CaaDecisionTest, TagsAndDomainsCompareCaseInsensitively) {
  EXPECT_TRUE(decide({rr("ISSUE", "CA.Test")}).has_value());
  EXPECT_FALSE(decide({rr("Issue", "Other-CA.example")}).has_value());
  EXPECT_TRUE(decide({rr("IssueWild", "ca.TEST"), rr("issue", ";")}, request(true)).has_value());
  EXPECT_FALSE(decide({rr("ISSUEWILD", ";"), rr("issue", "ca.test")}, request(true)).has_value());
  EXPECT_FALSE(decide({rr("TBS", "x", 128)}).has_value());
  // Parameter names too: a differently cased accounturi still binds.
  EXPECT_FALSE(decide({rr("issue", "ca.test; AccountURI=https://ca.test/acme/acct/7")}).has_value());
  EXPECT_FALSE(decide({rr("issue", "ca.test; ValidationMethods=dns-01")}).has_value());
  // A configured identity with a final dot matches too.
  EXPECT_TRUE(caa_decision(request(), "example.com", {rr("issue", "ca.test")}, {"CA.TEST."}).has_value());
}

TEST(CaaDecisionTest, MalformedValueAuthorizesNobody) {
  EXPECT_FALSE(decide({rr("issue", "ca.test; accounturi")}).has_value());      // no '='
  EXPECT_FALSE(decide({rr("issue", "ca..test")}).has_value());                // empty label
  EXPECT_FALSE(decide({rr("issue", "-ca.test")}).has_value());                // label grammar
  EXPECT_FALSE(decide({rr("issue", "ca.test; key=va lue")}).has_value());     // space in a value
  EXPECT_FALSE(decide({rr("issue", "ca.test; =value")}).has_value());         // no tag
  // ...and the others still count.
  EXPECT_TRUE(decide({rr("issue", "ca..test"), rr("issue", "ca.test")}).has_value());
}

TEST(CaaIssueValueTest, Grammar) {
  auto v = parse_caa_issue_value(" ca.test ; a=1;b = two ; ");
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->issuer, "ca.test");
  ASSERT_EQ(v->parameters.size(), 2u);
  EXPECT_EQ(v->parameters[0], (std::pair<std::string, std::string>{"a", "1"}));
  EXPECT_EQ(v->parameters[1], (std::pair<std::string, std::string>{"b", "two"}));
  auto empty = parse_caa_issue_value(";");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->issuer.empty());
  auto no_issuer_params = parse_caa_issue_value("; a=b");
  ASSERT_TRUE(no_issuer_params.has_value());
  EXPECT_TRUE(no_issuer_params->issuer.empty());
  EXPECT_EQ(no_issuer_params->parameters.size(), 1u);
  EXPECT_FALSE(parse_caa_issue_value("ca.test x").has_value());
  EXPECT_FALSE(parse_caa_issue_value("ca.test.").has_value());
}

// The §3 search against BIND: the name, then its parents; CNAMEs followed.
class CaaSearchTest : public test_support::SharedBindTest<CaaSearchTest> {
 public:
  static test_support::BindServer::Options bind_options() {
    test_support::BindServer::Options o;
    o.zones = {test_support::BindServer::Zone{
        .name = "example.test",
        .name_servers = {},
        .records = "@ IN CAA 0 issue \"ca.test\"\n"
                   "other IN CAA 0 issue \"other-ca.example\"\n"
                   "alias IN CNAME other\n"
                   "deep.sub.other IN A 127.0.0.1\n"
                   "www IN A 127.0.0.1\n"}};
    return o;
  }

 protected:
  Status check(const std::string& name) const {
    dns::Resolver resolver({bind_->endpoint()}, std::chrono::milliseconds(2000));
    CaaRequest req = request();
    req.name = name;
    return check_caa(req, kUs, resolver);
  }
};

TEST_F(CaaSearchTest, ClimbsToTheFirstRrset) {
  EXPECT_TRUE(check("example.test").has_value());
  EXPECT_TRUE(check("www.example.test").has_value());          // NODATA, then the apex
  EXPECT_TRUE(check("a.b.nothing.example.test").has_value());  // NXDOMAIN all the way up
  expect_refused(check("deep.sub.other.example.test"),
                 "CAA record for other.example.test prevents issuance: 0 issue \"other-ca.example\"");
}

TEST_F(CaaSearchTest, CnameTargetsRecordCountsForTheName) {
  expect_refused(check("alias.example.test"),
                 "CAA record for alias.example.test (CNAME to other.example.test) prevents issuance: "
                 "0 issue \"other-ca.example\"");
}

TEST_F(CaaSearchTest, LookupFailureRefusesNamingTheServer) {
  // BIND is not authoritative for other.test and does not recurse: REFUSED.
  auto s = check("www.other.test");
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().type, "urn:ietf:params:acme:error:caa");
  EXPECT_NE(s.error().detail.find("CAA lookup for www.other.test failed"), std::string::npos) << s.error().detail;
  EXPECT_NE(s.error().detail.find(bind_->endpoint()), std::string::npos) << s.error().detail;
}

}  // namespace
}  // namespace acmekit::server::va
