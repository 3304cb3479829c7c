// The installer's changes to an Apache httpd configuration. Each operation
// takes a parsed file and a <VirtualHost> of it and returns the file's new
// text (or a new file's text): only the bytes it means to change differ;
// inserted lines take the indentation of the section's other directives
// (one level deeper than the section, tab or four spaces as the file uses,
// when it has none).
//
// The operations are certbot-apache's (its configurator's deploy_cert,
// make_vhost_ssl, the redirect and HSTS enhancements, a2enmod on Debian),
// written anew on our parser.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "client/install/apache_config.h"
#include "client/install/apache_includes.h"
#include "client/install/web_server.h"
#include "core/error.h"

namespace acmekit::client::install {

// SSLCertificateFile and SSLCertificateKeyFile in `vhost`: an existing
// directive's path replaced (the first, when there are several), a missing
// one added at the end of the section; an SSLCertificateChainFile removed
// (the certificate file is the full chain; httpd 2.4.8+ reads the chain
// from it, and the directive is deprecated).
Result<std::string> set_certificate(const ApacheFile& file, const ApacheNode& vhost, const CertificatePaths& paths);

// Where certbot puts the HTTPS twin of the vhost in `path`: "x.conf" ->
// "x-le-ssl.conf", another name gets "-le-ssl.conf" appended; next to it.
std::string ssl_vhost_path(std::string_view path);

// The text of a new file holding the HTTPS twin of an HTTP vhost, as
// certbot makes one:
//   <IfModule mod_ssl.c>
//   <VirtualHost ADDR:HTTPS_PORT ...>     (each address's host kept)
//   ...the vhost's body, its redirect to https (add_redirect's) dropped...
//   SSLEngine on
//   SSLCertificateFile ... / SSLCertificateKeyFile ...
//   </VirtualHost>
//   </IfModule>
// kFailedPrecondition when the vhost already has SSLEngine on.
Result<std::string> https_vhost_text(const ApacheFile& file, const ApacheNode& http_vhost,
                                     const CertificatePaths& paths, int https_port = 443);

// The Listen the twin needs: "PORT", or "HOST:PORT" for a vhost on one IP
// address ("127.0.0.1:8443"). Listens already covering it (the same port
// with no address, or the same address) give an empty list.
std::vector<std::string> missing_listens(const ApacheConfig& config, const ApacheNode& http_vhost, int https_port);

// `Listen VALUE` appended at the top level of `file` (ports.conf on Debian).
Result<std::string> add_listens(const ApacheFile& file, const std::vector<std::string>& values);

// `lines` (whole directives) appended at the top level of `file`, after its
// last directive or section.
std::string append_top_level(const ApacheFile& file, const std::vector<std::string>& lines);

// certbot's --redirect, with mod_rewrite, at the end of an HTTP vhost:
//   RewriteEngine on
//   RewriteCond %{SERVER_NAME} =NAME [OR]      (one per name)
//   RewriteRule ^ https://%{SERVER_NAME}[:PORT]%{REQUEST_URI} [END,NE,R=permanent]
// Unchanged text when the vhost already has a RewriteRule or Redirect to
// https. `names`: the certificate's names the vhost serves.
Result<std::string> add_redirect(const ApacheFile& file, const ApacheNode& http_vhost,
                                 const std::vector<std::string>& names, int https_port = 443);

// `Header always set Strict-Transport-Security "max-age=31536000"` at the
// end of an HTTPS vhost; unchanged text when a Header directive of it
// already names Strict-Transport-Security.
Result<std::string> add_hsts(const ApacheFile& file, const ApacheNode& https_vhost);

// `Include PATH` as the FIRST directive of `section` (so rewrite rules it
// holds run before the vhost's own); unchanged text when the section has it
// already. remove_include takes out every `Include PATH` of the file with
// the line break and indentation before it, so adding then removing gives
// the original bytes back.
Result<std::string> add_include_first(const ApacheFile& file, const ApacheNode& section, std::string_view path);
Result<std::string> remove_include(const ApacheFile& file, std::string_view path);

// The whitespace before the directives of `section` (see above).
std::string child_indent(const ApacheFile& file, const ApacheNode& section);

// Modules. A FileEdit cannot make the symlink a2enmod makes
// (mods-enabled/NAME.load -> ../mods-available/NAME.load), so a module is
// enabled with regular files of the same content at the same paths:
// httpd reads them alike (IncludeOptional mods-enabled/*.load), and
// a2enmod then reports the module enabled (a2dismod leaves a regular file
// alone: disable it by removing the files). For each module in `modules`
// (Debian's names: "ssl", "rewrite", "headers") not loaded yet (no
// LoadModule of NAME_module read), NAME.load and NAME.conf (when there is
// one) of server_root/mods-available, and those of the modules its
// "# Depends:" line names (as a2enmod follows it). kNotFound for a module
// without a .load file.
Result<FileEdits> enable_modules(const ApacheConfig& config, const std::vector<std::string>& modules);

}  // namespace acmekit::client::install
