#include "client/dns/credentials_file.h"

#include <sys/stat.h>

#include <cctype>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace acmekit::client::dns_api {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// configobj: "quoted" or 'quoted' as is, otherwise up to an inline # comment.
std::string value_of(std::string_view raw) {
  raw = trim(raw);
  if (raw.size() >= 2 && (raw.front() == '"' || raw.front() == '\'')) {
    const auto close = raw.find(raw.front(), 1);
    if (close != std::string_view::npos) return std::string(raw.substr(1, close - 1));
  }
  const auto hash = raw.find(" #");
  if (hash != std::string_view::npos) raw = raw.substr(0, hash);
  return std::string(trim(raw));
}

}  // namespace

Result<CredentialsFile> CredentialsFile::parse(std::string_view text, std::string_view origin) {
  CredentialsFile f;
  f.origin_ = std::string(origin);
  std::istringstream in{std::string(text)};
  std::string raw_line;
  for (int number = 1; std::getline(in, raw_line); ++number) {
    const std::string_view line = trim(raw_line);
    if (line.empty() || line.front() == '#' || line.front() == ';' || line.front() == '[') continue;
    const auto eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(0, eq)).empty()) {
      return make_error(ErrorKind::kInvalidArgument, fmt::format("{}:{}: expected 'key = value'", origin, number));
    }
    std::string key(trim(line.substr(0, eq)));
    for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (f.values_.contains(key)) {
      return make_error(ErrorKind::kInvalidArgument, fmt::format("{}:{}: {} appears twice", origin, number, key));
    }
    f.values_[key] = value_of(line.substr(eq + 1));
  }
  return f;
}

namespace {

// The text of a file holding a secret, refused when group or others may
// read or write it.
Result<std::string> read_secret_file(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    return make_error(ErrorKind::kIo, "cannot read DNS credentials " + file.string());
  }
  if ((st.st_mode & 077) != 0) {
    return make_error(ErrorKind::kInvalidArgument,
                      fmt::format("{} is accessible by group or others (mode {:04o}); it holds a secret: chmod 600 it",
                                  file.string(), st.st_mode & 07777));
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) return make_error(ErrorKind::kIo, "cannot read DNS credentials " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<CredentialsFile> CredentialsFile::load(const std::filesystem::path& file) {
  ACMEKIT_TRY(const std::string text, read_secret_file(file));
  return parse(text, file.string());
}

Result<CredentialsFile> CredentialsFile::load_json(const std::filesystem::path& file) {
  ACMEKIT_TRY(const std::string text, read_secret_file(file));
  return parse_json(text, file.string());
}

Result<CredentialsFile> CredentialsFile::parse_json(std::string_view text, std::string_view origin) {
  // No exceptions, and the parser's message (which may quote the text) is not used.
  const auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return make_error(ErrorKind::kInvalidArgument, fmt::format("{}: not a JSON object", origin));
  }
  CredentialsFile f;
  f.origin_ = std::string(origin);
  for (const auto& [key, value] : parsed.items()) {
    if (value.is_string()) f.values_[key] = value.get<std::string>();
  }
  return f;
}

std::map<std::string, std::string> CredentialsFile::with_prefix(std::string_view prefix) const {
  std::map<std::string, std::string> out;
  for (auto it = values_.lower_bound(prefix); it != values_.end() && it->first.starts_with(prefix); ++it) {
    out.insert(*it);
  }
  return out;
}

std::string CredentialsFile::get(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? std::string() : it->second;
}

Result<std::string> CredentialsFile::require(std::string_view key) const {
  std::string v = get(key);
  if (v.empty()) return make_error(ErrorKind::kInvalidArgument, fmt::format("{}: {} is missing", origin_, key));
  return v;
}

}  // namespace acmekit::client::dns_api
