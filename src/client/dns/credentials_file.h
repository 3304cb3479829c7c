// certbot's DNS plugin credentials files (configobj INI: `key = value`,
// # and ; comments), read for any provider: a certbot user's file works
// unchanged. Or a JSON object (Google's service-account key, which
// certbot-dns-google takes as is): its string members are the keys. The
// file holds a secret: it must not be readable or writable by group or
// others (mode 0600 or stricter), or it is refused.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "core/error.h"

namespace acmekit::client::dns_api {

class CredentialsFile {
 public:
  // Reads FILE. Errors (kInvalidArgument; kIo when unreadable) name the file
  // and the line, never a value:
  //   "/etc/acmekit/cf.ini is readable by group or others (mode 0644): chmod 600 it"
  //   "/etc/acmekit/cf.ini:3: expected 'key = value'"
  static Result<CredentialsFile> load(const std::filesystem::path& file);
  // The same on text; origin names it in errors (no mode check).
  static Result<CredentialsFile> parse(std::string_view text, std::string_view origin);
  // A JSON object file (same mode check): its string members by name
  // (as written, case kept); other members are ignored. Errors name the
  // file, never a value: "/etc/acmekit/sa.json: not a JSON object".
  static Result<CredentialsFile> load_json(const std::filesystem::path& file);
  static Result<CredentialsFile> parse_json(std::string_view text, std::string_view origin);

  // The value of key (lower case), empty when absent.
  std::string get(std::string_view key) const;
  // The value, or kInvalidArgument "FILE: KEY is missing".
  Result<std::string> require(std::string_view key) const;
  const std::string& origin() const { return origin_; }
  // The keys starting with prefix and their values, by key
  // (certbot-dns-azure's dns_azure_zone1, dns_azure_zone2, ...).
  std::map<std::string, std::string> with_prefix(std::string_view prefix) const;

 private:
  std::string origin_;
  std::map<std::string, std::string, std::less<>> values_;
};

}  // namespace acmekit::client::dns_api
