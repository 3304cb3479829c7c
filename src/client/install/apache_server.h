// The Apache httpd WebServer (certbot's --apache): challenge and install
// edits over apache_challenge / apache_edit, the configuration test and
// the graceful reload through Debian's apache2ctl.
//
// apache2ctl (Debian) serves another server root when APACHE_CONFDIR names
// it: it then sources APACHE_CONFDIR/envvars (APACHE_PID_FILE,
// APACHE_RUN_DIR, APACHE_LOCK_DIR, APACHE_LOG_DIR, APACHE_RUN_USER/GROUP)
// and runs `apache2 -d APACHE_CONFDIR`. So a whole second httpd (a test's)
// is a directory with apache2.conf + envvars pointing every runtime path
// into it; ctl is run with APACHE_CONFDIR = server_root always. Run as
// root, httpd binds and then serves as APACHE_RUN_USER; run as another
// user it serves as that user (User/Group are ignored), which works on
// ports above 1023.
//
// install_edits (certbot-apache's deploy_cert, make_vhost_ssl, enhance):
//   - every HTTPS vhost (SSLEngine on) whose ServerName / ServerAlias names
//     one of the names gets the certificate (set_certificate);
//   - a name served only over HTTP gets an HTTPS twin of its vhost in
//     NAME-le-ssl.conf next to the vhost's file, on request.https_port,
//     with the Listen it needs (added after the last Listen's file's last
//     directive: ports.conf on Debian) and, when no wildcard Include already
//     reads the new file, an Include of it at the end of the main file;
//   - redirect: certbot's mod_rewrite redirect in those HTTP vhosts;
//     hsts: the Strict-Transport-Security header in the HTTPS ones;
//   - the modules these need (ssl; rewrite for redirect; headers for hsts)
//     when not loaded yet: enable_modules' mods-enabled files (apache_edit.h
//     says why regular files, not a2enmod's symlinks).
// A path of an existing file is given as its canonical path (Debian's
// sites-enabled/X is a symlink into sites-available: the edit goes to the
// file, the link stays).
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

struct ApacheOptions {
  std::filesystem::path server_root = "/etc/apache2";  // certbot's --apache-server-root
  std::string ctl = "apache2ctl";                      // certbot's --apache-ctl
  // Where the http-01 snippet (acmekit-http01.conf) and the token files
  // (tokens/TOKEN) are written: readable by httpd's user.
  std::filesystem::path challenge_dir = "/var/lib/acmekit/apache-http01";
};

// apache2ctl's output (stdout and stderr together) as one line for an
// error: its own lines ("AH00526: Syntax error on line 2 of F:" and the
// message under it, joined by a space; others by "; "), without the
// notes around them ("Action 'configtest' failed.", "The Apache error log
// may have more information.") and the warnings of a working
// configuration (AH00558, no global ServerName); the last line when
// nothing else is left.
std::string apache_error_line(std::string_view output);

// kInvalidArgument when server_root holds no apache2.conf.
Result<std::unique_ptr<WebServer>> make_apache_server(const ApacheOptions& options);

}  // namespace acmekit::client::install
