// read_hosts_file (validator.h): /etc/hosts format, hosts(5).
#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

#include "server/va/addresses.h"
#include "server/va/validator.h"

namespace acmekit::server::va {

Result<std::map<std::string, std::vector<std::string>>> read_hosts_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return make_error(ErrorKind::kIo, "cannot read hosts file " + path.string());
  std::map<std::string, std::vector<std::string>> hosts;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (const auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::istringstream words(line);
    std::string address, name;
    if (!(words >> address)) continue;  // blank or comment only
    const std::string where = path.string() + ":" + std::to_string(number);
    if (!is_ip_address(address)) {
      return make_error(ErrorKind::kInvalidArgument, where + ": '" + address + "' is not an IP address");
    }
    bool named = false;
    while (words >> name) {
      std::ranges::transform(name, name.begin(), [](unsigned char c) { return std::tolower(c); });
      hosts[name].push_back(address);
      named = true;
    }
    if (!named) return make_error(ErrorKind::kInvalidArgument, where + ": address " + address + " without a name");
  }
  return hosts;
}

}  // namespace acmekit::server::va
