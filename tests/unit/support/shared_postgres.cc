// Test-only: see shared_postgres.h.
#include "support/shared_postgres.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace acmekit::test_support {
namespace {

struct Shared {
  // At exit the data is thrown away: SIGKILL, no shutdown checkpoint (which
  // flushes every test's database and takes tens of seconds).
  ~Shared() {
    if (cluster) cluster->kill();
  }
  bool tried = false;
  std::string error;
  std::unique_ptr<PostgresCluster> cluster;  // destroyed (stopped, removed) at exit
  int databases = 0;
};

Shared& shared() {
  static Shared s;
  return s;
}

}  // namespace

PostgresCluster* shared_postgres(std::string* error) {
  Shared& s = shared();
  if (!s.tried) {
    s.tried = true;
    auto started = PostgresCluster::start();
    if (started) {
      s.cluster = std::move(*started);
      // No fsync: every case creates a database (a copy of template0 through
      // the WAL), and the disk is shared. A commit still reaches the kernel
      // before it returns, so it survives a kill -9 of the server (restart()
      // and kill() tests); only a crash of the machine could lose it.
      if (auto set = PostgresCluster::query(s.cluster->admin_url(), "ALTER SYSTEM SET fsync = off"); !set) {
        s.error = set.error().detail;
      } else if (auto reload = PostgresCluster::query(s.cluster->admin_url(), "SELECT pg_reload_conf()"); !reload) {
        s.error = reload.error().detail;
      }
      if (!s.error.empty()) s.cluster.reset();
    } else {
      s.error = started.error().detail;
    }
  }
  if (!s.cluster && error != nullptr) *error = "PostgreSQL did not start: " + s.error;
  return s.cluster.get();
}

std::string fresh_postgres_database() {
  std::string error;
  PostgresCluster* cluster = shared_postgres(&error);
  if (cluster == nullptr) {
    ADD_FAILURE() << error;
    return {};
  }
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "t" + std::to_string(++shared().databases) + "_";
  for (char c : std::string(info->test_suite_name()) + "_" + info->name()) {
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
  }
  name.resize(std::min<std::size_t>(name.size(), 63));
  // und-u-ka-shifted: ICU's root collation with punctuation "shifted" (ignored
  // unless everything else ties), so 'com.example.www' > 'com.example/'.
  // FILE_COPY: copies template0's files (with fsync off, faster than
  // writing them through the WAL, the default strategy).
  auto made = PostgresCluster::query(cluster->admin_url(),
                                     "CREATE DATABASE " + name +
                                         " OWNER acmekit TEMPLATE template0 ENCODING 'UTF8' LOCALE 'C.utf8' "
                                         "LOCALE_PROVIDER icu ICU_LOCALE 'und-u-ka-shifted' STRATEGY FILE_COPY");
  if (!made) {
    ADD_FAILURE() << "cannot create database " << name << ": " << made.error().detail;
    return {};
  }
  return cluster->url_for(name);
}

}  // namespace acmekit::test_support
