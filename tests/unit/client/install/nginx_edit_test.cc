#include "client/install/nginx_edit.h"

#include <gtest/gtest.h>

#include "client/install/nginx_challenge.h"

namespace acmekit::client::install {
namespace {

const CertificatePaths kPaths{.certificate = "/etc/acmekit/live/example.com/fullchain.pem",
                              .key = "/etc/acmekit/live/example.com/privkey.pem"};

ConfigFile parse_ok(std::string text) {
  auto parsed = parse_config("site.conf", std::move(text));
  EXPECT_TRUE(parsed) << parsed.error().message();
  return parsed ? std::move(*parsed) : ConfigFile{};
}

const Node& server(const ConfigFile& f, std::size_t i = 0) { return *f.find(nullptr, "server").at(i); }

const std::string kSite =
    "# my site\n"
    "server {\n"
    "    listen 80;\n"
    "    listen [::]:80;  # v6 too\n"
    "    server_name example.com www.example.com;\n"
    "    root /var/www/example;\n"
    "\n"
    "    location / {\n"
    "        try_files $uri $uri/ =404;\n"
    "    }\n"
    "    # last comment\n"
    "}\n"
    "\n"
    "server {\n"
    "\tlisten 80;\n"
    "\tserver_name other.example;\n"
    "}\n";

TEST(NginxEditTest, SetCertificateAddsBothAtTheEndOfTheBlock) {
  const ConfigFile f = parse_ok(kSite);
  auto out = set_certificate(f, server(f), kPaths);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out,
            "# my site\n"
            "server {\n"
            "    listen 80;\n"
            "    listen [::]:80;  # v6 too\n"
            "    server_name example.com www.example.com;\n"
            "    root /var/www/example;\n"
            "\n"
            "    location / {\n"
            "        try_files $uri $uri/ =404;\n"
            "    }\n"
            "    ssl_certificate /etc/acmekit/live/example.com/fullchain.pem;\n"
            "    ssl_certificate_key /etc/acmekit/live/example.com/privkey.pem;\n"
            "    # last comment\n"
            "}\n"
            "\n"
            "server {\n"
            "\tlisten 80;\n"
            "\tserver_name other.example;\n"
            "}\n");
}

TEST(NginxEditTest, SetCertificateReplacesOnlyThePaths) {
  const ConfigFile f = parse_ok(
      "server {\n"
      "\tlisten 443 ssl;\n"
      "\tssl_certificate   \"/etc/ssl/certs/ssl-cert-snakeoil.pem\" ; # old\n"
      "\tssl_certificate_key /etc/ssl/private/ssl-cert-snakeoil.key;\n"
      "}\n");
  auto out = set_certificate(f, server(f), {.certificate = "/srv/my certs/c.pem", .key = "/srv/k.pem"});
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out,
            "server {\n"
            "\tlisten 443 ssl;\n"
            "\tssl_certificate   \"/srv/my certs/c.pem\" ; # old\n"
            "\tssl_certificate_key /srv/k.pem;\n"
            "}\n");
  // Done again: nothing changes.
  const ConfigFile again = parse_ok(*out);
  EXPECT_EQ(*set_certificate(again, server(again), {.certificate = "/srv/my certs/c.pem", .key = "/srv/k.pem"}),
            *out);
  EXPECT_FALSE(set_certificate(f, server(f), {.certificate = "/srv/$host.pem", .key = "/srv/k.pem"}));
}

TEST(NginxEditTest, IndentationOfAnEmptyOrOneLineBlock) {
  const ConfigFile f = parse_ok("http {\n\tserver { listen 80; }\n\tserver {}\n}\n");
  const Node& http = f.nodes[0];
  EXPECT_EQ(child_indent(f, http.children[0]), "\t\t");
  EXPECT_EQ(child_indent(f, http.children[1]), "\t\t");
  auto out = add_hsts(f, http.children[1]);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "http {\n\tserver { listen 80; }\n\tserver {\n"
            "\t\tadd_header Strict-Transport-Security \"max-age=31536000\" always;}\n}\n");
  const ConfigFile spaces = parse_ok("server {}\n    x {\n    }\n");
  EXPECT_EQ(child_indent(spaces, spaces.nodes[0]), "    ");
}

TEST(NginxEditTest, HttpsTwinAfterTheHttpBlock) {
  const ConfigFile f = parse_ok(kSite);
  auto out = add_https_server(f, server(f), kPaths);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out,
            "# my site\n"
            "server {\n"
            "    listen 80;\n"
            "    listen [::]:80;  # v6 too\n"
            "    server_name example.com www.example.com;\n"
            "    root /var/www/example;\n"
            "\n"
            "    location / {\n"
            "        try_files $uri $uri/ =404;\n"
            "    }\n"
            "    # last comment\n"
            "}\n"
            "\n"
            "server {\n"
            "    listen 443 ssl;\n"
            "    listen [::]:443 ssl;\n"
            "    server_name example.com www.example.com;\n"
            "    root /var/www/example;\n"
            "\n"
            "    location / {\n"
            "        try_files $uri $uri/ =404;\n"
            "    }\n"
            "    ssl_certificate /etc/acmekit/live/example.com/fullchain.pem;\n"
            "    ssl_certificate_key /etc/acmekit/live/example.com/privkey.pem;\n"
            "    # last comment\n"
            "}\n"
            "\n"
            "server {\n"
            "\tlisten 80;\n"
            "\tserver_name other.example;\n"
            "}\n");
  // The twin serves HTTPS: a second call on it is refused.
  const ConfigFile twice = parse_ok(*out);
  auto again = add_https_server(twice, server(twice, 1), kPaths);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::kFailedPrecondition);
  EXPECT_EQ(again.error().detail, "site.conf:14: the server block already serves HTTPS");
}

TEST(NginxEditTest, HttpsTwinOfANestedBlockWithoutListenDropsTheRedirect) {
  const ConfigFile f = parse_ok(
      "http {\n"
      "  server {\n"
      "    server_name a.example;\n"
      "    return 301 https://$host$request_uri;\n"
      "  }\n"
      "}\n");
  const Node& s = f.nodes[0].children[0];
  auto out = add_https_server(f, s, kPaths, 8443);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(*out,
            "http {\n"
            "  server {\n"
            "    server_name a.example;\n"
            "    return 301 https://$host$request_uri;\n"
            "  }\n"
            "\n"
            "  server {\n"
            "    listen 8443 ssl;\n"
            "    server_name a.example;\n"
            "    ssl_certificate /etc/acmekit/live/example.com/fullchain.pem;\n"
            "    ssl_certificate_key /etc/acmekit/live/example.com/privkey.pem;\n"
            "  }\n"
            "}\n");
}

TEST(NginxEditTest, RedirectIsIdempotent) {
  const ConfigFile f = parse_ok(kSite);
  auto out = add_redirect(f, server(f));
  ASSERT_TRUE(out) << out.error().message();
  const std::string expected =
      "# my site\n"
      "server {\n"
      "    listen 80;\n"
      "    listen [::]:80;  # v6 too\n"
      "    server_name example.com www.example.com;\n"
      "    root /var/www/example;\n"
      "\n"
      "    location / {\n"
      "        try_files $uri $uri/ =404;\n"
      "    }\n"
      "    return 301 https://$host$request_uri;\n"
      "    # last comment\n"
      "}\n";
  EXPECT_EQ(out->substr(0, expected.size()), expected);
  EXPECT_EQ(out->substr(expected.size()), kSite.substr(kSite.find("\nserver {\n\t")));
  const ConfigFile again = parse_ok(*out);
  EXPECT_EQ(*add_redirect(again, server(again)), *out);
}

TEST(NginxEditTest, RedirectInABlockServingBothSchemes) {
  const ConfigFile f = parse_ok("server {\n\tlisten 80;\n\tlisten 443 ssl;\n}\n");
  auto out = add_redirect(f, server(f));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "server {\n\tlisten 80;\n\tlisten 443 ssl;\n"
            "\tif ($scheme != \"https\") {\n\t\treturn 301 https://$host$request_uri;\n\t}\n}\n");
  const ConfigFile again = parse_ok(*out);
  EXPECT_EQ(*add_redirect(again, server(again)), *out);
}

TEST(NginxEditTest, HstsIsIdempotent) {
  const ConfigFile f = parse_ok("server {\n  listen 443 ssl;\n}\n");
  auto out = add_hsts(f, server(f));
  ASSERT_TRUE(out);
  EXPECT_EQ(*out,
            "server {\n  listen 443 ssl;\n"
            "  add_header Strict-Transport-Security \"max-age=31536000\" always;\n}\n");
  const ConfigFile again = parse_ok(*out);
  EXPECT_EQ(*add_hsts(again, server(again)), *out);
  const ConfigFile own = parse_ok("server {\n  add_header strict-transport-security max-age=60;\n}\n");
  EXPECT_EQ(*add_hsts(own, server(own)), own.text);
}

TEST(NginxEditTest, ChallengeIncludeAddedAndRemovedByteForByte) {
  const ConfigFile f = parse_ok(kSite);
  const std::string snippet = "/run/acmekit/nginx-http01-1234.conf";
  auto added = add_include(f, server(f, 1), snippet);
  ASSERT_TRUE(added);
  EXPECT_EQ(added->substr(kSite.find("\nserver {\n\t")),
            "\nserver {\n"
            "\tlisten 80;\n"
            "\tserver_name other.example;\n"
            "\tinclude /run/acmekit/nginx-http01-1234.conf;\n"
            "}\n");
  EXPECT_EQ(added->substr(0, kSite.find("\nserver {\n\t")), kSite.substr(0, kSite.find("\nserver {\n\t")));
  ConfigFile with = parse_ok(*added);
  auto both = add_include(with, server(with, 0), snippet);
  ASSERT_TRUE(both);
  with = parse_ok(*both);
  EXPECT_EQ(*add_include(with, server(with, 0), snippet), *both);  // already there
  auto removed = remove_include(with, snippet);
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, kSite);
  EXPECT_EQ(*remove_include(f, snippet), kSite);
}

TEST(NginxEditTest, ACommentAfterTheLastDirectiveStaysOnItsLine) {
  const ConfigFile f = parse_ok("server {\n    listen 80; # keep me here\n    # and me\n}\n");
  auto added = add_include(f, server(f), "/run/x.conf");
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, "server {\n    listen 80; # keep me here\n    include /run/x.conf;\n    # and me\n}\n");
  const ConfigFile with = parse_ok(*added);
  EXPECT_EQ(*remove_include(with, "/run/x.conf"), f.text);
  auto certs = set_certificate(f, server(f), {.certificate = "/c.pem", .key = "/k.pem"});
  ASSERT_TRUE(certs);
  EXPECT_EQ(*certs,
            "server {\n    listen 80; # keep me here\n    ssl_certificate /c.pem;\n    ssl_certificate_key /k.pem;\n"
            "    # and me\n}\n");
}

// nginx ends a comment at LF only: a lone CR in it does not end it, so the
// new line goes after the whole comment (the fuzzer's find), before its CR LF.
TEST(NginxEditTest, ACommentWithALoneCrEndsAtItsLineFeed) {
  for (const std::string text : {"server {\n  listen 80; # a\rb { c\n}\n", "server {\r\n  listen 80; # a\r\rb\r\n}\r\n"}) {
    const ConfigFile f = parse_ok(text);
    auto added = add_include(f, server(f), "/run/x.conf");
    ASSERT_TRUE(added);
    const ConfigFile with = parse_ok(*added);
    ASSERT_EQ(server(with).children.size(), 2u);
    EXPECT_EQ(server(with).children[1].name(), "include");
    EXPECT_EQ(*remove_include(with, "/run/x.conf"), text);
  }
}

TEST(NginxEditTest, CrLfFilesGetCrLfLines) {
  const ConfigFile f = parse_ok("server {\r\n\tlisten 80;\r\n\tlisten [::]:80;\r\n}\r\n");
  auto added = add_include(f, server(f), "/run/x.conf");
  ASSERT_TRUE(added);
  EXPECT_EQ(*added, "server {\r\n\tlisten 80;\r\n\tlisten [::]:80;\r\n\tinclude /run/x.conf;\r\n}\r\n");
  EXPECT_EQ(*remove_include(parse_ok(*added), "/run/x.conf"), f.text);
  auto twin = add_https_server(f, server(f), {.certificate = "/c.pem", .key = "/k.pem"});
  ASSERT_TRUE(twin);
  EXPECT_EQ(*twin,
            "server {\r\n\tlisten 80;\r\n\tlisten [::]:80;\r\n}\r\n\r\n"
            "server {\r\n\tlisten 443 ssl;\r\n\tlisten [::]:443 ssl;\r\n"
            "\tssl_certificate /c.pem;\r\n\tssl_certificate_key /k.pem;\r\n}\r\n");
}

TEST(NginxEditTest, Http01Snippets) {
  auto s = http01_snippet({{.token = "tok-1_A", .key_authorization = "tok-1_A.thumb_print-X"},
                           {.token = "t2", .key_authorization = "t2.tp"}});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(*s,
            "location = /.well-known/acme-challenge/tok-1_A {\n"
            "    default_type text/plain;\n"
            "    return 200 \"tok-1_A.thumb_print-X\";\n"
            "}\n"
            "location = /.well-known/acme-challenge/t2 {\n"
            "    default_type text/plain;\n"
            "    return 200 \"t2.tp\";\n"
            "}\n");
  EXPECT_FALSE(http01_snippet({{.token = "a/b", .key_authorization = "a.b"}}));
  EXPECT_FALSE(http01_snippet({{.token = "ab", .key_authorization = "a\"; }"}}));
  auto w = http01_webroot_snippet("/var/www/acme root");
  ASSERT_TRUE(w);
  EXPECT_EQ(*w,
            "location ^~ /.well-known/acme-challenge/ {\n"
            "    default_type text/plain;\n"
            "    root \"/var/www/acme root\";\n"
            "}\n");
}

}  // namespace
}  // namespace acmekit::client::install
