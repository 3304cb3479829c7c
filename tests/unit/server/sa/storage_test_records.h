// Records with every field filled, and field-by-field comparisons, for the
// storage tests. Times are whole milliseconds: the storage keeps that much.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/model.h"

namespace acmekit::server::sa::test {

inline TimePoint base_time() { return TimePoint{} + std::chrono::milliseconds(1'767'225'600'123); }

inline AccountRecord account(const std::string& id, const std::string& thumbprint) {
  return AccountRecord{.id = id,
                       .jwk_json = R"({"crv":"P-256","kty":"EC","x":")" + id + R"(","y":"y"})",
                       .key_thumbprint = thumbprint,
                       .contact = {"mailto:admin@" + id + ".example"},
                       .created = base_time() - std::chrono::hours(1)};
}

inline AuthzRecord authz(const std::string& id, const std::string& account_id, const std::string& name,
                         AcmeStatus status, TimePoint expires) {
  return AuthzRecord{.id = id,
                     .account_id = account_id,
                     .identifier = {.type = "dns", .value = name},
                     .status = status,
                     .expires = expires,
                     .challenges = {{.type = ChallengeType::kHttp01, .token = "tok-http-" + id},
                                    {.type = ChallengeType::kDns01, .token = "tok-dns-" + id},
                                    {.type = ChallengeType::kTlsAlpn01, .token = "tok-alpn-" + id}}};
}

inline OrderRecord order(const std::string& id, const std::string& account_id, const std::vector<std::string>& names,
                         const std::vector<std::string>& authz_ids) {
  OrderRecord o{.id = id,
                .account_id = account_id,
                .created = base_time(),
                .expires = base_time() + std::chrono::hours(24 * 7),
                .authz_ids = authz_ids};
  for (const auto& n : names) o.identifiers.push_back({.type = "dns", .value = n});
  return o;
}

inline CertificateRecord certificate(const std::string& serial, const std::string& account_id,
                                     const std::string& order_id, TimePoint not_before) {
  return CertificateRecord{
      .id = serial,
      .account_id = account_id,
      .order_id = order_id,
      .leaf_pem = "-----BEGIN CERTIFICATE-----\n" + serial + "\n-----END CERTIFICATE-----\n",
      .not_before = not_before,
      .not_after = not_before + std::chrono::hours(24 * 90),
      .identifiers = {{.type = "dns", .value = "example.com"}, {.type = "ip", .value = "192.0.2.1"}},
      .issued = not_before};
}

inline void expect_same(const AccountRecord& got, const AccountRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.jwk_json, want.jwk_json);
  EXPECT_EQ(got.key_thumbprint, want.key_thumbprint);
  EXPECT_EQ(got.contact, want.contact);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.eab_kid, want.eab_kid);
  EXPECT_EQ(got.created, want.created);
}

inline void expect_same(const AuthzRecord& got, const AuthzRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.identifier, want.identifier);
  EXPECT_EQ(got.wildcard, want.wildcard);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.expires, want.expires);
  EXPECT_EQ(got.failed, want.failed);
  ASSERT_EQ(got.challenges.size(), want.challenges.size());
  for (std::size_t i = 0; i < want.challenges.size(); ++i) {
    EXPECT_EQ(got.challenges[i].type, want.challenges[i].type) << i;
    EXPECT_EQ(got.challenges[i].token, want.challenges[i].token) << i;
    EXPECT_EQ(got.challenges[i].status, want.challenges[i].status) << i;
    EXPECT_EQ(got.challenges[i].validated, want.challenges[i].validated) << i;
    EXPECT_EQ(got.challenges[i].error_json, want.challenges[i].error_json) << i;
  }
}

inline void expect_same(const OrderRecord& got, const OrderRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.created, want.created);
  EXPECT_EQ(got.expires, want.expires);
  EXPECT_EQ(got.identifiers, want.identifiers);
  EXPECT_EQ(got.authz_ids, want.authz_ids);
  EXPECT_EQ(got.not_before, want.not_before);
  EXPECT_EQ(got.not_after, want.not_after);
  EXPECT_EQ(got.error_json, want.error_json);
  EXPECT_EQ(got.certificate_id, want.certificate_id);
  EXPECT_EQ(got.replaces, want.replaces);
  EXPECT_EQ(got.replaces_certificate_id, want.replaces_certificate_id);
  EXPECT_EQ(got.profile, want.profile);
}

inline void expect_same(const CertificateRecord& got, const CertificateRecord& want) {
  EXPECT_EQ(got.id, want.id);
  EXPECT_EQ(got.account_id, want.account_id);
  EXPECT_EQ(got.order_id, want.order_id);
  EXPECT_EQ(got.leaf_pem, want.leaf_pem);
  EXPECT_EQ(got.not_before, want.not_before);
  EXPECT_EQ(got.not_after, want.not_after);
  EXPECT_EQ(got.identifiers, want.identifiers);
  EXPECT_EQ(got.status, want.status);
  EXPECT_EQ(got.revocation_reason, want.revocation_reason);
  EXPECT_EQ(got.revoked_at, want.revoked_at);
  EXPECT_EQ(got.replaced_by_order, want.replaced_by_order);
  EXPECT_EQ(got.issued, want.issued);
  EXPECT_EQ(got.renewal, want.renewal);
}

inline void expect_same(const EabKeyRecord& got, const EabKeyRecord& want) {
  EXPECT_EQ(got.kid, want.kid);
  EXPECT_EQ(got.hmac_key, want.hmac_key);
  EXPECT_EQ(got.created, want.created);
  EXPECT_EQ(got.account_id, want.account_id);
}

}  // namespace acmekit::server::sa::test
