#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "server/va/validator.h"

namespace acmekit::server::va {
namespace {

class VaHostsFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/acmekit-hosts-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& text) {
    const auto path = dir_ / "hosts";
    std::ofstream(path) << text;
    return path;
  }
  std::filesystem::path dir_;
};

TEST_F(VaHostsFileTest, ReadsAddressesPerNameSkippingComments) {
  auto hosts = read_hosts_file(write("# test hosts\n"
                                     "127.0.0.1 a.test B.test   # both here\n"
                                     "\n"
                                     "::1\ta.test\n"));
  ASSERT_TRUE(hosts.has_value()) << hosts.error().message();
  EXPECT_EQ(hosts->size(), 2u);
  EXPECT_EQ(hosts->at("a.test"), (std::vector<std::string>{"127.0.0.1", "::1"}));
  EXPECT_EQ(hosts->at("b.test"), (std::vector<std::string>{"127.0.0.1"}));
}

TEST_F(VaHostsFileTest, BadLinesAreNamed) {
  auto not_ip = read_hosts_file(write("127.0.0.1 ok.test\nexample.test 127.0.0.1\n"));
  ASSERT_FALSE(not_ip.has_value());
  EXPECT_EQ(not_ip.error().kind, ErrorKind::kInvalidArgument);
  EXPECT_NE(not_ip.error().detail.find("hosts:2"), std::string::npos) << not_ip.error().detail;

  auto no_name = read_hosts_file(write("10.0.0.1\n"));
  ASSERT_FALSE(no_name.has_value());
  EXPECT_NE(no_name.error().detail.find("hosts:1"), std::string::npos) << no_name.error().detail;
}

TEST_F(VaHostsFileTest, MissingFileIsAnIoError) {
  auto hosts = read_hosts_file(dir_ / "nope");
  ASSERT_FALSE(hosts.has_value());
  EXPECT_EQ(hosts.error().kind, ErrorKind::kIo);
}

}  // namespace
}  // namespace acmekit::server::va
