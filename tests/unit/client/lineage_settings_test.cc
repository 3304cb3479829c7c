#include "client/lineage_settings.h"

#include <gtest/gtest.h>

namespace acmekit::client {
namespace {

TEST(LineageSettingsTest, CertbotsRenewalParamsAreHonoured) {
  auto conf = store::parse_renewal_config(R"(version = 2.1.0
[renewalparams]
account = 7f3e
authenticator = webroot
webroot_path = /var/www/a, /var/www/b,
server = https://acme.test/directory
key_type = rsa
rsa_key_size = 3072
pref_challs = http-01,
renew_hook = systemctl reload nginx
pre_hook = echo pre
post_hook = echo post
reuse_key = True
[[webroot_map]]
a.test = /var/www/a
b.test = /var/www/b
)");
  auto s = LineageSettings::from_config(conf);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(s->names.empty());  // certbot reads them from the certificate
  EXPECT_EQ(s->account, "7f3e");
  EXPECT_EQ(s->webroot_path, "/var/www/a");
  EXPECT_EQ(s->webroot_map.at("b.test"), "/var/www/b");
  EXPECT_EQ(s->key_type, "rsa");
  EXPECT_EQ(s->rsa_key_size, 3072);
  EXPECT_EQ(s->deploy_hook, "systemctl reload nginx");
  EXPECT_EQ(s->pre_hook, "echo pre");
  EXPECT_EQ(s->post_hook, "echo post");
  EXPECT_TRUE(s->reuse_key);
  EXPECT_EQ(s->preferred_challenges, std::vector{wire::ChallengeType::kHttp01});
}

TEST(LineageSettingsTest, WhatAcmekitCannotHonourIsNamed) {
  auto plugin = LineageSettings::from_config(store::parse_renewal_config(
      "[renewalparams]\nserver = https://acme.test/dir\nauthenticator = dns-cloudflare\n"));
  ASSERT_FALSE(plugin);
  EXPECT_NE(plugin.error().message().find("dns-cloudflare"), std::string::npos) << plugin.error().message();
  auto installer = LineageSettings::from_config(store::parse_renewal_config(
      "[renewalparams]\nserver = https://acme.test/dir\nauthenticator = standalone\ninstaller = haproxy\n"));
  ASSERT_FALSE(installer);
  EXPECT_NE(installer.error().message().find("haproxy"), std::string::npos) << installer.error().message();
}

TEST(LineageSettingsTest, Rfc2136SettingsSurviveTheRenewalConf) {
  LineageSettings s{.server = "https://ca/dir", .account = "abc", .names = {"example.com", "*.example.com"},
                    .authenticator = "dns-rfc2136", .preferred_challenges = {wire::ChallengeType::kDns01},
                    .rfc2136_credentials = "/etc/acmekit/rfc2136.ini", .dns_propagation_timeout = 30,
                    .dns_propagation_interval = 1, .dns_resolvers = {"127.0.0.2", "[::1]:5353"}};
  auto conf = s.to_config();
  EXPECT_EQ(conf.params["pref_challs"], "dns-01,");  // certbot's form
  EXPECT_EQ(conf.params["dns_rfc2136_credentials"], "/etc/acmekit/rfc2136.ini");
  auto back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->names, s.names);
  EXPECT_EQ(back->authenticator, "dns-rfc2136");
  EXPECT_EQ(back->preferred_challenges, s.preferred_challenges);
  EXPECT_EQ(back->rfc2136_credentials, s.rfc2136_credentials);
  EXPECT_EQ(back->dns_propagation_seconds, -1);
  EXPECT_EQ(back->dns_propagation_timeout, 30);
  EXPECT_EQ(back->dns_propagation_interval, 1);
  EXPECT_EQ(back->dns_resolvers, s.dns_resolvers);
}

TEST(LineageSettingsTest, DnsProviderSettingsAreCertbotsKeys) {
  LineageSettings s{.server = "https://ca/dir", .names = {"example.com", "*.example.com"},
                    .authenticator = "dns-cloudflare", .dns_credentials = "/etc/acmekit/cf.ini"};
  auto conf = s.to_config();
  EXPECT_EQ(conf.params["authenticator"], "dns-cloudflare");
  EXPECT_EQ(conf.params["dns_cloudflare_credentials"], "/etc/acmekit/cf.ini");
  auto back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->authenticator, "dns-cloudflare");
  EXPECT_EQ(back->dns_credentials, "/etc/acmekit/cf.ini");
  EXPECT_EQ(back->challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kDns01});

  // certbot's renewal conf of its PowerDNS plugin, with its propagation key.
  store::RenewalConfig c;
  c.params = {{"server", "https://ca/dir"}, {"domains", "a.test"}, {"authenticator", "dns-powerdns"},
              {"dns_powerdns_credentials", "/pdns.ini"}, {"dns_powerdns_propagation_seconds", "30"}};
  auto pdns = LineageSettings::from_config(c);
  ASSERT_TRUE(pdns) << pdns.error().message();
  EXPECT_EQ(pdns->dns_credentials, "/pdns.ini");
  EXPECT_EQ(pdns->dns_propagation_seconds, 30);

  c.params.erase("dns_powerdns_credentials");
  auto missing = LineageSettings::from_config(c);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("dns_powerdns_credentials"), std::string::npos) << missing.error().detail;
  c.params["authenticator"] = "dns-nosuchprovider";
  EXPECT_FALSE(LineageSettings::from_config(c));
}

// Route 53 needs no credentials file (the AWS environment or ~/.aws/credentials):
// none saved, none required back; a given one kept.
TEST(LineageSettingsTest, Route53CredentialsFileIsOptional) {
  LineageSettings s{.server = "https://ca/dir", .names = {"example.com"}, .authenticator = "dns-route53"};
  auto conf = s.to_config();
  EXPECT_EQ(conf.params["authenticator"], "dns-route53");
  EXPECT_EQ(conf.params.count("dns_route53_credentials"), 0u);
  auto back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->authenticator, "dns-route53");
  EXPECT_EQ(back->dns_credentials, "");
  s.dns_credentials = "/etc/acmekit/route53.ini";
  back = LineageSettings::from_config(s.to_config());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->dns_credentials, "/etc/acmekit/route53.ini");
}

TEST(LineageSettingsTest, ManualAndTlsAlpnSettingsSurvive) {
  LineageSettings m{.server = "https://ca/dir", .names = {"a.test"}, .authenticator = "manual",
                    .manual_auth_hook = "/bin/auth", .manual_cleanup_hook = "/bin/clean",
                    .dns_propagation_seconds = 0};
  auto back = LineageSettings::from_config(m.to_config());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->manual_auth_hook, "/bin/auth");
  EXPECT_EQ(back->manual_cleanup_hook, "/bin/clean");
  EXPECT_EQ(back->dns_propagation_seconds, 0);

  LineageSettings t{.server = "https://ca/dir", .names = {"a.test"}, .authenticator = "standalone",
                    .preferred_challenges = {wire::ChallengeType::kTlsAlpn01}, .tls_alpn01_port = 8443,
                    .tls_alpn01_address = "127.0.0.1"};
  back = LineageSettings::from_config(t.to_config());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->tls_alpn01_port, 8443);
  EXPECT_EQ(back->tls_alpn01_address, "127.0.0.1");
  EXPECT_EQ(back->challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kTlsAlpn01});
}

TEST(LineageSettingsTest, CertbotsPropagationSecondsKeyIsRead) {
  store::RenewalConfig c;
  c.params = {{"server", "https://ca/dir"}, {"domains", "a.test"}, {"authenticator", "dns-rfc2136"},
              {"dns_rfc2136_credentials", "/x.ini"}, {"dns_rfc2136_propagation_seconds", "60"}};
  auto s = LineageSettings::from_config(c);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->dns_propagation_seconds, 60);
}

TEST(LineageSettingsTest, ReuseKeyAndAutorenewAreCertbotsBooleans) {
  LineageSettings s{.server = "https://ca/dir", .names = {"a.test"}};
  auto conf = s.to_config();
  EXPECT_FALSE(conf.params.contains("reuse_key"));  // the defaults are not written
  EXPECT_FALSE(conf.params.contains("autorenew"));
  s.reuse_key = true;
  s.autorenew = false;
  conf = s.to_config();
  EXPECT_EQ(conf.params["reuse_key"], "True");
  EXPECT_EQ(conf.params["autorenew"], "False");
  auto back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_TRUE(back->reuse_key);
  EXPECT_FALSE(back->autorenew);
  // configobj's spellings, as certbot reads them.
  conf.params["reuse_key"] = "yes";
  conf.params["autorenew"] = "off";
  back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back);
  EXPECT_TRUE(back->reuse_key);
  EXPECT_FALSE(back->autorenew);
  conf.params["reuse_key"] = "maybe";
  back = LineageSettings::from_config(conf);
  ASSERT_FALSE(back);
  EXPECT_NE(back.error().message().find("reuse_key"), std::string::npos) << back.error().message();
}

// certbot 4's [renewalparams] keys for draft-ietf-acme-profiles.
TEST(LineageSettingsTest, ProfilesAreCertbotsKeys) {
  LineageSettings s{.server = "https://ca/dir", .names = {"a.test"}};
  auto conf = s.to_config();
  EXPECT_FALSE(conf.params.contains("preferred_profile"));
  EXPECT_FALSE(conf.params.contains("required_profile"));
  s.required_profile = "shortlived";
  conf = s.to_config();
  EXPECT_EQ(conf.params["required_profile"], "shortlived");
  EXPECT_FALSE(conf.params.contains("preferred_profile"));
  auto back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->required_profile, "shortlived");
  EXPECT_EQ(back->preferred_profile, "");
  conf.params.erase("required_profile");
  conf.params["preferred_profile"] = "tlsserver";
  back = LineageSettings::from_config(conf);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->preferred_profile, "tlsserver");
}

TEST(LineageSettingsTest, ChallengeTypesPerAuthenticator) {
  LineageSettings s;
  s.authenticator = "standalone";
  EXPECT_EQ(s.challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kHttp01});  // 443 only when asked
  s.preferred_challenges = {wire::ChallengeType::kTlsAlpn01, wire::ChallengeType::kHttp01};
  EXPECT_EQ(s.challenge_types().value(), (std::vector<wire::ChallengeType>{wire::ChallengeType::kTlsAlpn01, wire::ChallengeType::kHttp01}));
  s.preferred_challenges = {wire::ChallengeType::kDns01};
  auto r = s.challenge_types();
  ASSERT_FALSE(r);  // standalone cannot answer dns-01
  EXPECT_NE(r.error().detail.find("dns-01"), std::string::npos);
  s.authenticator = "manual";
  s.preferred_challenges = {};
  EXPECT_EQ(s.challenge_types().value(), (std::vector<wire::ChallengeType>{wire::ChallengeType::kHttp01, wire::ChallengeType::kDns01}));
  s.authenticator = "dns-rfc2136";
  EXPECT_EQ(s.challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kDns01});
  s.authenticator = "webroot";
  s.preferred_challenges = {wire::ChallengeType::kDns01, wire::ChallengeType::kHttp01};
  EXPECT_EQ(s.challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kHttp01});
}

TEST(LineageSettingsTest, IncompleteConfigsAreRefused) {
  store::RenewalConfig c;
  c.params = {{"server", "https://ca/dir"}, {"domains", "a.test"}, {"authenticator", "manual"}};
  EXPECT_FALSE(LineageSettings::from_config(c));
  c.params["authenticator"] = "dns-rfc2136";
  EXPECT_FALSE(LineageSettings::from_config(c));
  c.params["authenticator"] = "lighttpd";
  EXPECT_FALSE(LineageSettings::from_config(c));
  c.params["authenticator"] = "webroot";
  c.params["installer"] = "lighttpd";
  EXPECT_FALSE(LineageSettings::from_config(c));
}

// certbot's nginx plugin keys: authenticator and installer nginx, the
// server root and the control binary; installer = None is no installer.
TEST(LineageSettingsTest, NginxAuthenticatorAndInstallerRoundTrip) {
  LineageSettings s{.server = "https://ca/dir", .names = {"a.test"}, .authenticator = "nginx", .installer = "nginx",
                    .nginx_server_root = "/srv/nginx", .nginx_ctl = "/usr/local/sbin/nginx"};
  EXPECT_EQ(s.challenge_types().value(), std::vector<wire::ChallengeType>{wire::ChallengeType::kHttp01});
  const auto c = s.to_config();
  EXPECT_EQ(c.params.at("authenticator"), "nginx");
  EXPECT_EQ(c.params.at("installer"), "nginx");
  EXPECT_EQ(c.params.at("nginx_server_root"), "/srv/nginx");
  EXPECT_EQ(c.params.at("nginx_ctl"), "/usr/local/sbin/nginx");
  EXPECT_FALSE(c.params.contains("apache_ctl"));
  auto back = LineageSettings::from_config(c);
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->installer, "nginx");
  EXPECT_EQ(back->nginx_server_root, "/srv/nginx");
  EXPECT_EQ(back->nginx_ctl, "/usr/local/sbin/nginx");

  auto none = c;
  none.params["installer"] = "None";
  none.params["authenticator"] = "standalone";
  auto plain = LineageSettings::from_config(none);
  ASSERT_TRUE(plain) << plain.error().message();
  EXPECT_EQ(plain->installer, "");
}

// certonly (no installer) re-run on a lineage `run --nginx` made: the
// installer and where its server is stay.
TEST(LineageSettingsTest, CertonlyKeepsTheSavedInstaller) {
  const LineageSettings saved{.names = {"a.test"}, .authenticator = "nginx", .installer = "nginx",
                              .nginx_server_root = "/srv/nginx", .nginx_ctl = "/srv/nginx-ctl"};
  LineageSettings fresh{.names = {"a.test"}, .authenticator = "standalone"};  // the flags' defaults
  fresh.keep_installer_of(saved);
  EXPECT_EQ(fresh.installer, "nginx");
  EXPECT_EQ(fresh.nginx_server_root, "/srv/nginx");
  EXPECT_EQ(fresh.nginx_ctl, "/srv/nginx-ctl");
  EXPECT_EQ(fresh.to_config().params.at("installer"), "nginx");
  EXPECT_EQ(fresh.to_config().params.at("nginx_server_root"), "/srv/nginx");

  // certonly --nginx --nginx-server-root R: the server it authenticated
  // through is the one named now.
  LineageSettings through{.names = {"a.test"}, .authenticator = "nginx", .nginx_server_root = "/new/nginx"};
  through.keep_installer_of(saved);
  EXPECT_EQ(through.installer, "nginx");
  EXPECT_EQ(through.nginx_server_root, "/new/nginx");

  // An installer given now wins; none saved gives none.
  LineageSettings apache{.names = {"a.test"}, .authenticator = "apache", .installer = "apache"};
  apache.keep_installer_of(saved);
  EXPECT_EQ(apache.installer, "apache");
  LineageSettings plain{.names = {"a.test"}};
  plain.keep_installer_of(LineageSettings{.names = {"a.test"}});
  EXPECT_EQ(plain.installer, "");
  EXPECT_FALSE(plain.to_config().params.contains("installer"));
}

}  // namespace
}  // namespace acmekit::client
