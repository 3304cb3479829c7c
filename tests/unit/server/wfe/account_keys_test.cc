#include "server/wfe/account_keys.h"

#include <gtest/gtest.h>

namespace acmekit::server::wfe {
namespace {

std::string jwk_of(const crypto::PrivateKey& key) { return key.public_key().to_jwk().dump(); }

TEST(AccountKeysTest, ParsesOnceAndReturnsTheStoredKey) {
  auto a = crypto::PrivateKey::generate({});
  ASSERT_TRUE(a);
  AccountKeys keys;
  auto first = keys.key_for(jwk_of(*a));
  ASSERT_TRUE(first) << first.error().detail;
  EXPECT_TRUE(*first == a->public_key());
  auto second = keys.key_for(jwk_of(*a));
  ASSERT_TRUE(second);
  EXPECT_TRUE(*second == a->public_key());
  EXPECT_EQ(keys.size(), 1u);
}

// A key change stores a new JWK: the new text finds the new key, never the
// old one's entry.
TEST(AccountKeysTest, AnotherJwkIsAnotherKey) {
  auto a = crypto::PrivateKey::generate({});
  auto b = crypto::PrivateKey::generate({.algorithm = crypto::KeyAlgorithm::kEcP384});
  ASSERT_TRUE(a && b);
  AccountKeys keys;
  ASSERT_TRUE(keys.key_for(jwk_of(*a)));
  auto kb = keys.key_for(jwk_of(*b));
  ASSERT_TRUE(kb);
  EXPECT_TRUE(*kb == b->public_key());
  EXPECT_FALSE(*kb == a->public_key());
  EXPECT_EQ(keys.size(), 2u);
}

TEST(AccountKeysTest, StaysWithinItsCapacity) {
  AccountKeys keys(2);
  for (int i = 0; i < 5; ++i) {
    auto k = crypto::PrivateKey::generate({});
    ASSERT_TRUE(k);
    auto got = keys.key_for(jwk_of(*k));
    ASSERT_TRUE(got);
    EXPECT_TRUE(*got == k->public_key());
    EXPECT_LE(keys.size(), 2u);
  }
}

TEST(AccountKeysTest, AnUnusableStoredKeyIsAnInternalError) {
  AccountKeys keys;
  auto not_json = keys.key_for("{");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().kind, ErrorKind::kInternal);
  auto not_a_key = keys.key_for(R"({"kty":"EC","crv":"P-256","x":"AA","y":"AA"})");
  ASSERT_FALSE(not_a_key);
  EXPECT_EQ(not_a_key.error().kind, ErrorKind::kInternal);
  EXPECT_EQ(keys.size(), 0u);
}

}  // namespace
}  // namespace acmekit::server::wfe
