// The unit tests' PostgreSQL (support/postgres_cluster.h) itself: a real
// server that libpq reaches, fresh databases, a restart on the same port,
// and nothing left behind. A server that cannot start fails these tests.
#include "support/postgres_cluster.h"

#include <libpq-fe.h>
#include <signal.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace acmekit::test_support {
namespace {

bool process_exists(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] != 'Z';
}

TEST(PostgresClusterTest, StartsCreatesADatabaseAnswersLibpqAndStopsByPid) {
  auto started = PostgresCluster::start();
  ASSERT_TRUE(started) << started.error().detail;
  auto& pg = **started;
  EXPECT_EQ(pg.url(), "postgres://acmekit@127.0.0.1:" + std::to_string(pg.port()) + "/acmekit");

  auto url = pg.create_database("cluster_test");
  ASSERT_TRUE(url) << url.error().detail;
  EXPECT_EQ(*url, pg.url_for("cluster_test"));

  // libpq directly, as the backend will.
  PGconn* conn = PQconnectdb(url->c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* res = PQexec(conn, "SELECT 1, current_user, current_database()");
  ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  ASSERT_EQ(PQntuples(res), 1);
  EXPECT_STREQ(PQgetvalue(res, 0, 0), "1");
  EXPECT_STREQ(PQgetvalue(res, 0, 1), "acmekit");
  EXPECT_STREQ(PQgetvalue(res, 0, 2), "cluster_test");
  PQclear(res);
  PQfinish(conn);

  EXPECT_FALSE(pg.create_database("Bad-Name; DROP"));
  EXPECT_FALSE(PostgresCluster::query(pg.url(), "SELECT * FROM no_such_table"));

  // Committed data survives a fast restart and a kill -9, on the same port.
  ASSERT_TRUE(PostgresCluster::query(*url, "CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')"));
  const uint16_t port = pg.port();
  const pid_t first = pg.pid();
  auto restarted = pg.restart();
  ASSERT_TRUE(restarted) << restarted.error().detail;
  EXPECT_EQ(pg.port(), port);
  EXPECT_NE(pg.pid(), first);
  EXPECT_FALSE(process_exists(first));
  pg.kill();
  restarted = pg.restart();
  ASSERT_TRUE(restarted) << restarted.error().detail << "\n" << pg.log_text();
  auto rows = PostgresCluster::query(*url, "SELECT v FROM t");
  ASSERT_TRUE(rows) << rows.error().detail;
  EXPECT_EQ(*rows, PostgresCluster::Rows{{"kept"}});

  // The destructor stops it by PID and removes its dir.
  const pid_t pid = pg.pid();
  const std::filesystem::path dir = pg.dir();
  started->reset();
  EXPECT_FALSE(process_exists(pid));
  EXPECT_FALSE(std::filesystem::exists(dir));
  EXPECT_NE(PQping(("host=127.0.0.1 connect_timeout=2 port=" + std::to_string(port)).c_str()), PQPING_OK);
}

class PostgresFixtureTest : public PostgresTest {};

TEST_F(PostgresFixtureTest, EachTestGetsAFreshDatabase) {
  const std::string a = fresh_database();
  const std::string b = fresh_database();
  ASSERT_FALSE(a.empty());
  ASSERT_NE(a, b);
  ASSERT_TRUE(PostgresCluster::query(a, "CREATE TABLE only_in_a (x int)"));
  auto in_b = PostgresCluster::query(b, "SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'");
  ASSERT_TRUE(in_b) << in_b.error().detail;
  EXPECT_EQ(*in_b, PostgresCluster::Rows{{"0"}});
}

TEST_F(PostgresFixtureTest, SharesTheSuitesCluster) {
  auto rows = PostgresCluster::query(cluster().url(), "SELECT 1");
  ASSERT_TRUE(rows) << rows.error().detail;
  EXPECT_EQ(*rows, PostgresCluster::Rows{{"1"}});
}

}  // namespace
}  // namespace acmekit::test_support
