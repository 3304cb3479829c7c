// A temporary directory of configuration files for the nginx installer's tests.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace acmekit::client::install::testing {

class TempTree {
 public:
  TempTree() {
    char tmpl[] = "/tmp/acmekit-nginx-test-XXXXXX";
    if (::mkdtemp(tmpl) != nullptr) root_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::filesystem::path& root() const { return root_; }
  std::filesystem::path write(const std::string& relative, const std::string& text) const {
    const auto p = root_ / relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
    return p;
  }
  std::string read(const std::string& relative) const { return read_path(root_ / relative); }
  static std::string read_path(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  }

 private:
  std::filesystem::path root_;
};

}  // namespace acmekit::client::install::testing
