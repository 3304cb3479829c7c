// Test-only: a real PostgreSQL server (Debian's postgresql, its binaries run
// straight from /usr/lib/postgresql/N/bin) for unit tests that need one: a
// cluster of its own made by initdb in a temp dir, listening on 127.0.0.1 on
// a free port (bound to port 0, then handed to postgres; retried on another
// port when taken meanwhile), its unix socket in the temp dir, trust
// authentication for the socket and 127.0.0.1/32 only, durability settings
// (fsync, ...) at their defaults (initdb alone skips its final sync: the
// files it wrote reach the kernel, which is all a kill -9 needs). initdb and postgres refuse to run as root:
// as root they run as Options::run_as (nobody), which then owns the temp dir.
// Started by fork/exec (no shell), the postmaster is our child: stopped by
// PID. Role "acmekit" owns database "acmekit"; create_database() makes more,
// so each test can have a fresh one. A server that cannot start is an error
// (the test fails; never a skip).
//
//   auto pg = PostgresCluster::start();
//   ASSERT_TRUE(pg) << pg.error().detail;
//   auto url = (*pg)->create_database("orders_test");  // postgres://acmekit@127.0.0.1:PORT/orders_test
//
// Or, one cluster per test suite and a fresh database per test:
//   class MyTest : public test_support::PostgresTest {};
//   TEST_F(MyTest, X) { std::string url = fresh_database(); ... }
#pragma once

#include <sys/types.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace acmekit::test_support {

class PostgresCluster {
 public:
  struct Options {
    std::string run_as = "nobody";  // the user initdb and postgres run as when we are root
    std::chrono::seconds start_timeout{30};  // until postgres accepts connections
    std::string bin_dir;  // empty: $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin
  };
  using Rows = std::vector<std::vector<std::string>>;

  // initdb, start, wait until it accepts connections, create role and
  // database "acmekit". On error nothing is left running or on disk.
  static Result<std::unique_ptr<PostgresCluster>> start(Options options);
  static Result<std::unique_ptr<PostgresCluster>> start() { return start(Options{}); }

  PostgresCluster(const PostgresCluster&) = delete;
  PostgresCluster& operator=(const PostgresCluster&) = delete;
  // stop(), then removes the temp dir.
  ~PostgresCluster();

  // postgres://acmekit@127.0.0.1:PORT/acmekit
  std::string url() const { return url_for("acmekit"); }
  // postgres://acmekit@127.0.0.1:PORT/NAME
  std::string url_for(std::string_view database) const;
  // postgres://postgres@127.0.0.1:PORT/postgres (superuser)
  std::string admin_url() const;
  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }  // the postmaster; -1 when stopped
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path data_dir() const { return dir_ / "data"; }
  std::filesystem::path socket_dir() const { return dir_ / "run"; }
  std::string log_text() const;  // the server's stderr, all starts

  // CREATE DATABASE name OWNER acmekit; returns url_for(name).
  // name: [a-z_][a-z0-9_]*, at most 63 characters.
  Result<std::string> create_database(std::string_view name);

  // Fast shutdown (SIGINT), SIGKILL to the postmaster and its server
  // processes after 15 s. The data dir stays. Idempotent.
  void stop();
  // SIGKILL to the postmaster and all its server processes at once: a crash.
  void kill();
  // Starts again on the same port and data dir (after stop() or kill():
  // crash recovery; stop() first if it runs).
  Status restart();

  // Runs sql (one or more statements) on url with libpq; the rows of the
  // last result as text (NULL as ""). Any error is an Error.
  static Result<Rows> query(const std::string& url, const std::string& sql);

 private:
  explicit PostgresCluster(Options options) : options_(std::move(options)) {}
  Status init();
  Status launch();  // postgres on port_, wait until it accepts connections
  Status run_server_tool(const std::vector<std::string>& argv, const std::filesystem::path& log);
  pid_t spawn(const std::vector<std::string>& argv, int out_fd);

  Options options_;
  std::filesystem::path dir_;
  std::string bin_dir_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool drop_privileges_ = false;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
};

// A suite sharing one cluster, started by the suite's first test (a cluster
// that cannot start fails every test, none is skipped), stopped after its last.
class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override;
  static void TearDownTestSuite();
  // A new database for this test (named after it); its URL. Fails the test
  // (ADD_FAILURE, empty string) when it cannot be made.
  std::string fresh_database();
  static PostgresCluster& cluster() { return *cluster_; }

 private:
  static inline std::unique_ptr<PostgresCluster> cluster_;
  static inline bool started_ = false;
  static inline std::string start_error_;
  static inline int databases_ = 0;
};

}  // namespace acmekit::test_support
