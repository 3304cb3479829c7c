// The web servers acmekit authenticates through and installs certificates
// into (certbot's installer plugins: --nginx, --apache). Each server type
// is one implementation of WebServer; what they share (backups, the
// configuration test, reload, restore on failure, --dry-run's diff) is done
// once, over the FileEdits they return, by the code that drives them.
//
// A WebServer never writes a file itself: it reads the configuration and
// says which files should hold which text. That keeps every change
// reviewable (--dry-run prints the diff of exactly these edits) and
// revertible (the driver backs up exactly these files).
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::client::install {

// One http-01 answer (RFC 8555 §8.3) the server must give at
// /.well-known/acme-challenge/TOKEN.
struct Http01Response {
  std::string token;              // RFC 8555 §8.3: base64url
  std::string key_authorization;  // token "." thumbprint (§8.1)
};

// {} when the token is base64url and the key authorization base64url "."
// base64url-shaped, so either can go into a configuration file or a path
// with no quoting; kInvalidArgument otherwise.
inline Status check_http01_response(const Http01Response& response) {
  auto base64url_or_dot = [](const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
      return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
             c == '.';
    });
  };
  if (!base64url_or_dot(response.token) || response.token.find('.') != std::string::npos) {
    return make_error(ErrorKind::kInvalidArgument, "an http-01 token that is not base64url");
  }
  if (!base64url_or_dot(response.key_authorization)) {
    return make_error(ErrorKind::kInvalidArgument, "an http-01 key authorization that is not base64url.base64url");
  }
  return {};
}

// Where the certificate lives: the lineage's live/NAME/ links, so renewals
// need no new edit, only a reload.
struct CertificatePaths {
  std::string certificate;  // live/NAME/fullchain.pem
  std::string key;          // live/NAME/privkey.pem
};

struct InstallRequest {
  std::vector<std::string> names;  // the lineage's names ("*.example.com" allowed)
  CertificatePaths paths;
  bool redirect = false;  // certbot's --redirect: HTTP answers 301 to https
  bool hsts = false;      // certbot's --hsts: Strict-Transport-Security on HTTPS
  int https_port = 443;   // the port an added HTTPS listener uses
};

// path -> the file's whole new text. A path not on disk yet is a new file
// (a snippet, an added site); an empty text never means "delete".
using FileEdits = std::map<std::string, std::string>;

class WebServer {
 public:
  virtual ~WebServer() = default;

  // "nginx", "apache": the authenticator / installer name in renewal confs.
  virtual std::string_view name() const = 0;

  // The edits that make the running server answer `responses` for every
  // name in `names` (a temporary location / Alias in each matching HTTP
  // server block or virtual host). kNotFound naming the names no HTTP
  // block serves. Reads the configuration from disk each call.
  virtual Result<FileEdits> challenge_edits(const std::vector<Http01Response>& responses,
                                            const std::vector<std::string>& names) = 0;

  // The edits that install `request`'s certificate into every block that
  // serves one of its names over HTTPS, adding an HTTPS block (a copy of the
  // HTTP one, as certbot does) where a name has none; with redirect/hsts
  // the enhancements too. Already-installed (same paths) gives no edit for
  // that block. kNotFound naming the names no block serves at all.
  virtual Result<FileEdits> install_edits(const InstallRequest& request) = 0;

  // `nginx -t` / `apachectl configtest` over the configuration on disk;
  // kFailedPrecondition carrying the tool's own error lines when it fails.
  virtual Status config_test() = 0;

  // Makes the running server load the configuration on disk (`nginx -s
  // reload` / `apachectl graceful`); kUnavailable when it is not running.
  virtual Status reload() = 0;
};

}  // namespace acmekit::client::install
