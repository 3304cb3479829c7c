#include "core/wire/problem.h"

#include <gtest/gtest.h>

namespace acmekit::wire {
namespace {
using namespace std::chrono;

TEST(ProblemTest, ParsesTypeDetailStatusAndSubproblems) {
  // RFC 8555 §6.7.1's example.
  const char* body = R"({
    "type": "urn:ietf:params:acme:error:malformed",
    "detail": "Some of the identifiers requested were rejected",
    "subproblems": [
      {"type": "urn:ietf:params:acme:error:malformed",
       "detail": "Invalid underscore in DNS name \"_example.org\"",
       "identifier": {"type": "dns", "value": "_example.org"}},
      {"type": "urn:ietf:params:acme:error:rejectedIdentifier",
       "detail": "This CA will not issue for \"example.net\"",
       "identifier": {"type": "dns", "value": "example.net"}}
    ]})";
  Error e = parse_problem(400, body);
  EXPECT_EQ(e.kind, ErrorKind::kAcme);
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.short_type(), "malformed");
  ASSERT_EQ(e.subproblems.size(), 2u);
  EXPECT_EQ(e.subproblems[1].identifier_value, "example.net");
  EXPECT_EQ(e.subproblems[1].type, "urn:ietf:params:acme:error:rejectedIdentifier");
  EXPECT_NE(e.message().find("example.net: This CA will not issue"), std::string::npos);
}

TEST(ProblemTest, NonProblemBodyIsAProtocolErrorWithTheStatus) {
  Error e = parse_problem(502, "<html>Bad gateway</html>");
  EXPECT_EQ(e.kind, ErrorKind::kProtocol);
  EXPECT_NE(e.detail.find("502"), std::string::npos);
}

TEST(ProblemTest, RetryAfterSecondsAndHttpDate) {
  auto now = sys_days{year{2024} / 1 / 1} + hours{12};
  EXPECT_EQ(parse_retry_after("120", now), seconds(120));
  EXPECT_EQ(parse_retry_after(" 0 ", now), seconds(0));
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 2024 12:01:30 GMT", now), seconds(90));
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 2024 11:00:00 GMT", now), seconds(0));  // past
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("", now));
  EXPECT_FALSE(parse_retry_after("-5", now));
}

TEST(ProblemTest, ErrorFromResponseCarriesRetryAfter) {
  http::Response r{.status = 429, .body = R"({"type":"urn:ietf:params:acme:error:rateLimited","detail":"slow down"})"};
  r.headers.add("Retry-After", "3600");
  Error e = error_from_response(r);
  EXPECT_TRUE(e.is_acme("rateLimited"));
  ASSERT_TRUE(e.retry_after);
  EXPECT_EQ(*e.retry_after, seconds(3600));
  EXPECT_NE(e.message().find("retry after 3600 s"), std::string::npos) << e.message();
}

// Found by tests/fuzz (wire_json, corpus crash-retry-after-year-9999): an
// HTTP-date past 2262 overflowed system_clock's nanoseconds (undefined
// behaviour) on its way to a delay; it is capped like delta-seconds.
TEST(ProblemTest, RetryAfterFarInTheFutureIsCapped) {
  auto now = sys_days{year{2024} / 1 / 1} + hours{12};
  EXPECT_EQ(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now), seconds(999'999'999));
  EXPECT_EQ(parse_retry_after("Tue, 01 Jan 2300 00:00:00 GMT", now), seconds(999'999'999));
  EXPECT_EQ(parse_retry_after("Mon, 01 Jan 2024 12:00:01 GMT", now + milliseconds(500)), seconds(0));
}

}  // namespace
}  // namespace acmekit::wire
