#include "core/wire/json.h"

#include <gtest/gtest.h>

namespace acmekit::wire {
namespace {

TEST(WireJsonTest, DirectoryNeedsTheCoreEndpoints) {
  auto j = parse_json(R"({"newNonce":"n","newAccount":"a","newOrder":"o","revokeCert":"r",
    "keyChange":"k","meta":{"termsOfService":"tos","externalAccountRequired":true,"caaIdentities":["x"]}})",
                      "directory");
  ASSERT_TRUE(j);
  auto d = parse_directory(*j);
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->new_order, "o");
  EXPECT_TRUE(d->meta.external_account_required);
  EXPECT_EQ(d->meta.terms_of_service, "tos");
  auto bad = parse_directory(nlohmann::json{{"newNonce", "n"}});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().detail.find("not an ACME directory"), std::string::npos);
}

// draft-ietf-acme-profiles §3: meta.profiles maps names to descriptions.
TEST(WireJsonTest, DirectoryProfilesAreReadSortedByName) {
  auto d = parse_directory(nlohmann::json::parse(R"({"newNonce":"n","newAccount":"a","newOrder":"o",
    "meta":{"profiles":{"tlsserver":"https://ca/docs#tlsserver","classic":"The default","odd":7}}})"));
  ASSERT_TRUE(d) << d.error().message();
  ASSERT_EQ(d->meta.profiles.size(), 3u);
  EXPECT_EQ(d->meta.profiles[0], (Profile{"classic", "The default"}));
  EXPECT_EQ(d->meta.profiles[1], (Profile{"odd", ""}));  // a non-string description: the name still counts
  EXPECT_EQ(d->meta.profiles[2], (Profile{"tlsserver", "https://ca/docs#tlsserver"}));
  ASSERT_NE(d->meta.find_profile("classic"), nullptr);
  EXPECT_EQ(d->meta.find_profile("shortlived"), nullptr);

  // No meta, or meta without profiles (or not an object): none offered.
  for (const char* text : {R"({"newNonce":"n","newAccount":"a","newOrder":"o"})",
                           R"({"newNonce":"n","newAccount":"a","newOrder":"o","meta":{"website":"w"}})",
                           R"({"newNonce":"n","newAccount":"a","newOrder":"o","meta":{"profiles":["x"]}})"}) {
    auto none = parse_directory(nlohmann::json::parse(text));
    ASSERT_TRUE(none) << text;
    EXPECT_TRUE(none->meta.profiles.empty()) << text;
  }
}

// draft-ietf-acme-profiles §4: the order names its profile.
TEST(WireJsonTest, OrderProfile) {
  auto o = parse_order(nlohmann::json::parse(
      R"({"status":"pending","profile":"shortlived","finalize":"https://ca/finalize/1"})"));
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->profile, "shortlived");
  auto without = parse_order(nlohmann::json::parse(R"({"status":"pending","finalize":"https://ca/f/1"})"));
  ASSERT_TRUE(without);
  EXPECT_EQ(without->profile, "");
}

TEST(WireJsonTest, NonJsonIsAClearError) {
  auto j = parse_json("<!DOCTYPE html><html>", "directory");
  ASSERT_FALSE(j);
  EXPECT_NE(j.error().detail.find("not JSON"), std::string::npos);
}

TEST(WireJsonTest, OrderAndAuthorization) {
  auto o = parse_order(nlohmann::json::parse(R"({"status":"pending","expires":"2030-01-01T00:00:00Z",
    "identifiers":[{"type":"dns","value":"a.example"}],"authorizations":["https://ca/authz/1"],
    "finalize":"https://ca/finalize/1"})"));
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->identifiers.at(0).value, "a.example");
  EXPECT_EQ(o->authorizations.at(0), "https://ca/authz/1");
  EXPECT_FALSE(parse_order(nlohmann::json::parse(R"({"status":"pending"})")));

  auto a = parse_authorization(nlohmann::json::parse(R"({"status":"invalid","wildcard":true,
    "identifier":{"type":"dns","value":"example.org"},
    "challenges":[{"type":"http-01","url":"https://ca/c/1","status":"invalid","token":"tok",
      "error":{"type":"urn:ietf:params:acme:error:connection","detail":"refused"}}]})"));
  ASSERT_TRUE(a) << a.error().message();
  EXPECT_TRUE(a->wildcard);
  ASSERT_EQ(a->challenges.size(), 1u);
  EXPECT_EQ(a->challenges[0].token, "tok");
  ASSERT_TRUE(a->challenges[0].error_json);
}

TEST(WireJsonTest, IdentifierForNamesAndAddresses) {
  EXPECT_EQ(identifier_for("Example.COM"), (Identifier{"dns", "example.com"}));
  EXPECT_EQ(identifier_for("192.0.2.1"), (Identifier{"ip", "192.0.2.1"}));
  // RFC 8738 §3 wants RFC 5952 text for IPv6.
  EXPECT_EQ(identifier_for("2001:DB8:0:0:0:0:0:1"), (Identifier{"ip", "2001:db8::1"}));
  EXPECT_EQ(identifier_for("*.example.com"), (Identifier{"dns", "*.example.com"}));
}

}  // namespace
}  // namespace acmekit::wire
