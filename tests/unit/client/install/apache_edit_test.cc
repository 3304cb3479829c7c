#include "client/install/apache_edit.h"

#include <gtest/gtest.h>

#include <functional>

#include "client/install/nginx_test_files.h"

namespace acmekit::client::install {
namespace {

const CertificatePaths kPaths{.certificate = "/etc/acmekit/live/example.com/fullchain.pem",
                              .key = "/etc/acmekit/live/example.com/privkey.pem"};

ApacheFile parse_ok(const std::string& text) {
  auto parsed = parse_apache_config("/etc/apache2/sites-available/x.conf", text);
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? std::move(*parsed) : ApacheFile{};
}

// The first <VirtualHost> of the file, wherever it is nested.
const ApacheNode& vhost(const ApacheFile& f) {
  const std::function<const ApacheNode*(const std::vector<ApacheNode>&)> find =
      [&](const std::vector<ApacheNode>& nodes) -> const ApacheNode* {
    for (const auto& n : nodes) {
      if (n.is("VirtualHost")) return &n;
      if (n.is_section) {
        if (const ApacheNode* v = find(n.children)) return v;
      }
    }
    return nullptr;
  };
  const ApacheNode* v = find(f.nodes);
  EXPECT_NE(v, nullptr);
  return *v;
}

TEST(ApacheEditTest, SetCertificateReplacesPathsAndDropsTheChainFile) {
  const std::string before =
      "# Debian's default-ssl, shortened\n"
      "<VirtualHost _default_:443>\n"
      "\t\tServerName example.com\n"
      "\t\tSSLEngine on\n"
      "\t\tSSLCertificateFile\t/etc/ssl/certs/ssl-cert-snakeoil.pem   \n"
      "\t\tSSLCertificateKeyFile \"/etc/ssl/private/ssl-cert-snakeoil.key\"\n"
      "\t\tSSLCertificateChainFile /etc/ssl/chain.pem\n"
      "\t\t# a comment stays\n"
      "</VirtualHost>\n";
  const ApacheFile f = parse_ok(before);
  auto after = set_certificate(f, vhost(f), kPaths);
  ASSERT_TRUE(after) << after.error().message();
  EXPECT_EQ(*after,
            "# Debian's default-ssl, shortened\n"
            "<VirtualHost _default_:443>\n"
            "\t\tServerName example.com\n"
            "\t\tSSLEngine on\n"
            "\t\tSSLCertificateFile\t/etc/acmekit/live/example.com/fullchain.pem   \n"
            "\t\tSSLCertificateKeyFile /etc/acmekit/live/example.com/privkey.pem\n"
            "\t\t# a comment stays\n"
            "</VirtualHost>\n");
  // Again: nothing to change.
  const ApacheFile again = parse_ok(*after);
  EXPECT_EQ(set_certificate(again, vhost(again), kPaths).value(), *after);
}

TEST(ApacheEditTest, SetCertificateAddsMissingDirectivesAtTheEnd) {
  const ApacheFile f = parse_ok("<VirtualHost *:443>\r\n  SSLEngine on\r\n</VirtualHost>\r\n");
  EXPECT_EQ(set_certificate(f, vhost(f), {.certificate = "/a b/c.pem", .key = "/k.pem"}).value(),
            "<VirtualHost *:443>\r\n  SSLEngine on\r\n  SSLCertificateFile \"/a b/c.pem\"\r\n"
            "  SSLCertificateKeyFile /k.pem\r\n</VirtualHost>\r\n");
  const ApacheFile empty = parse_ok("\t<VirtualHost *:443>\n\t</VirtualHost>\n");
  EXPECT_EQ(set_certificate(empty, vhost(empty), kPaths).value(),
            "\t<VirtualHost *:443>\n"
            "\t\tSSLCertificateFile /etc/acmekit/live/example.com/fullchain.pem\n"
            "\t\tSSLCertificateKeyFile /etc/acmekit/live/example.com/privkey.pem\n"
            "\t</VirtualHost>\n");
}

TEST(ApacheEditTest, HttpsTwinAsCertbotMakesIt) {
  const ApacheFile f = parse_ok(
      "<VirtualHost 127.0.0.1:80 *:8080>\n"
      "\tServerName example.com\n"
      "\tServerAlias www.example.com\n"
      "\tDocumentRoot /var/www/html\n"
      "\tRewriteEngine on\n"
      "\tRewriteCond %{SERVER_NAME} =example.com [OR]\n"
      "\tRewriteCond %{SERVER_NAME} =www.example.com\n"
      "\tRewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n"
      "\tRewriteRule ^/old /new\n"
      "</VirtualHost>\n");
  auto twin = https_vhost_text(f, vhost(f), kPaths, 8443);
  ASSERT_TRUE(twin) << twin.error().message();
  EXPECT_EQ(*twin,
            "<IfModule mod_ssl.c>\n"
            "<VirtualHost 127.0.0.1:8443 *:8443>\n"
            "\tServerName example.com\n"
            "\tServerAlias www.example.com\n"
            "\tDocumentRoot /var/www/html\n"
            "\tRewriteEngine on\n"
            "\tRewriteRule ^/old /new\n"
            "\tSSLEngine on\n"
            "\tSSLCertificateFile /etc/acmekit/live/example.com/fullchain.pem\n"
            "\tSSLCertificateKeyFile /etc/acmekit/live/example.com/privkey.pem\n"
            "</VirtualHost>\n"
            "</IfModule>\n");
  EXPECT_TRUE(parse_apache_config("twin.conf", *twin));
  const ApacheFile ssl = parse_ok("<VirtualHost *:443>\nSSLEngine on\n</VirtualHost>\n");
  auto refused = https_vhost_text(ssl, vhost(ssl), kPaths);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_EQ(ssl_vhost_path("/etc/apache2/sites-enabled/000-default.conf"),
            "/etc/apache2/sites-enabled/000-default-le-ssl.conf");
  EXPECT_EQ(ssl_vhost_path("/etc/httpd/site"), "/etc/httpd/site-le-ssl.conf");
}

TEST(ApacheEditTest, RedirectAndHsts) {
  const std::string before = "<VirtualHost *:80>\n    ServerName example.com\n</VirtualHost>\n";
  const ApacheFile f = parse_ok(before);
  auto redirected = add_redirect(f, vhost(f), {"example.com", "www.example.com"});
  ASSERT_TRUE(redirected);
  EXPECT_EQ(*redirected,
            "<VirtualHost *:80>\n"
            "    ServerName example.com\n"
            "    RewriteEngine on\n"
            "    RewriteCond %{SERVER_NAME} =example.com [OR]\n"
            "    RewriteCond %{SERVER_NAME} =www.example.com\n"
            "    RewriteRule ^ https://%{SERVER_NAME}%{REQUEST_URI} [END,NE,R=permanent]\n"
            "</VirtualHost>\n");
  const ApacheFile again = parse_ok(*redirected);
  EXPECT_EQ(add_redirect(again, vhost(again), {"example.com"}).value(), *redirected);
  const ApacheFile mod_alias = parse_ok("<VirtualHost *:80>\nRedirect permanent / https://example.com/\n</VirtualHost>\n");
  EXPECT_EQ(add_redirect(mod_alias, vhost(mod_alias), {"example.com"}).value(), mod_alias.text);
  EXPECT_NE(add_redirect(f, vhost(f), {"example.com"}, 8443).value().find("https://%{SERVER_NAME}:8443%{REQUEST_URI}"),
            std::string::npos);

  const ApacheFile ssl = parse_ok("<VirtualHost *:443>\n  SSLEngine on\n</VirtualHost>\n");
  auto hsts = add_hsts(ssl, vhost(ssl));
  EXPECT_EQ(hsts.value(),
            "<VirtualHost *:443>\n  SSLEngine on\n"
            "  Header always set Strict-Transport-Security \"max-age=31536000\"\n</VirtualHost>\n");
  const ApacheFile has = parse_ok(hsts.value());
  EXPECT_EQ(add_hsts(has, vhost(has)).value(), hsts.value());
}

TEST(ApacheEditTest, IncludeFirstAndOutAgainByteForByte) {
  for (const std::string before : {
           "<VirtualHost *:80>\n\tServerName a\n\tRewriteEngine on\n</VirtualHost>\n",
           "<IfModule x>\r\n  <VirtualHost *:80>\r\n    # c\r\n  </VirtualHost>\r\n</IfModule>",
           // The opening line ends in `\` before CR CR LF (no continuation:
           // ap_cfg_getline joins only `\[\r]\n`); the fuzzer's find. A line
           // break put right after that `\` would have joined the lines.
           "Listen 80\r\n<VirtualHost *:80> \\\r\r\n\tServerName a \\\r\r\n</VirtualHost>\r\n",
           // An escaped backslash ends the opening line: no continuation either.
           "<VirtualHost *:80> \\\\\n\tServerName a\r\n</VirtualHost>\r\n",
           // A continuation ends the opening line: the Include goes after
           // the line it continues onto.
           "<VirtualHost *:80> \\\n\n\tServerName a\n</VirtualHost>\n",
       }) {
    const ApacheFile f = parse_ok(before);
    auto added = add_include_first(f, vhost(f), "/var/lib/acmekit/apache-http01/acmekit-http01.conf");
    ASSERT_TRUE(added);
    const ApacheFile with = parse_ok(*added);
    const ApacheNode& v = vhost(with);
    ASSERT_FALSE(v.children.empty());
    EXPECT_TRUE(v.children.front().is("Include"));  // first: before the vhost's rewrite rules
    EXPECT_EQ(add_include_first(with, v, "/var/lib/acmekit/apache-http01/acmekit-http01.conf").value(), *added);
    EXPECT_EQ(remove_include(with, "/var/lib/acmekit/apache-http01/acmekit-http01.conf").value(), before);
  }
  const ApacheFile f = parse_ok("<VirtualHost *:80>\n\tServerName a\n</VirtualHost>\n");
  EXPECT_EQ(add_include_first(f, vhost(f), "/x/a b.conf").value(),
            "<VirtualHost *:80>\n\tInclude \"/x/a b.conf\"\n\tServerName a\n</VirtualHost>\n");
}

TEST(ApacheEditTest, LinesAddedAfterATrailingBackslashStayLinesOfTheirOwn) {
  const ApacheFile f = parse_ok("<VirtualHost *:443>\n  ServerName a \\\r\r\n</VirtualHost>\n");
  const ApacheFile out = parse_ok(set_certificate(f, vhost(f), kPaths).value());
  const ApacheNode& v = vhost(out);
  ASSERT_EQ(v.children.size(), 3u);
  EXPECT_EQ(v.children[0].arg_count(), 2u);  // ServerName a "\"
  EXPECT_TRUE(v.children[1].is("SSLCertificateFile"));
  EXPECT_TRUE(v.children[2].is("SSLCertificateKeyFile"));
}

TEST(ApacheEditTest, ListensAndModules) {
  testing::TempTree t;
  t.write("apache2.conf", "IncludeOptional mods-enabled/*.load\nInclude ports.conf\nInclude sites/*.conf\n");
  t.write("ports.conf", "Listen 80\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\n");
  t.write("sites/a.conf", "<VirtualHost 127.0.0.1:80>\n</VirtualHost>\n<VirtualHost *:80>\n</VirtualHost>\n");
  t.write("mods-available/ssl.load", "# Depends: setenvif mime\nLoadModule ssl_module /usr/lib/apache2/modules/mod_ssl.so\n");
  t.write("mods-available/ssl.conf", "<IfModule mod_ssl.c>\n</IfModule>\n");
  t.write("mods-available/setenvif.load", "LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so\n");
  t.write("mods-enabled/mime.load", "LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so\n");
  t.write("mods-available/mime.load", "LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so\n");
  auto config = ApacheConfig::load(t.root());
  ASSERT_TRUE(config) << config.error().message();
  const auto vhosts = config->collect("VirtualHost");
  ASSERT_EQ(vhosts.size(), 2u);
  EXPECT_EQ(missing_listens(*config, *vhosts[0].node, 443), std::vector<std::string>{});
  EXPECT_EQ(missing_listens(*config, *vhosts[0].node, 8443), std::vector<std::string>{"127.0.0.1:8443"});
  EXPECT_EQ(missing_listens(*config, *vhosts[1].node, 8443), std::vector<std::string>{"8443"});
  const ApacheFile* ports = config->file((t.root() / "ports.conf").string());
  ASSERT_NE(ports, nullptr);
  EXPECT_EQ(add_listens(*ports, {"127.0.0.1:8443"}).value(),
            "Listen 80\n\n<IfModule ssl_module>\n\tListen 443\n</IfModule>\nListen 127.0.0.1:8443\n");

  auto enable = enable_modules(*config, {"ssl", "mime"});
  ASSERT_TRUE(enable) << enable.error().message();
  const std::string en = (t.root() / "mods-enabled").string();
  EXPECT_EQ(*enable, (FileEdits{{en + "/setenvif.load", t.read("mods-available/setenvif.load")},
                                {en + "/ssl.conf", t.read("mods-available/ssl.conf")},
                                {en + "/ssl.load", t.read("mods-available/ssl.load")}}));
  auto unknown = enable_modules(*config, {"nonesuch"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace acmekit::client::install
