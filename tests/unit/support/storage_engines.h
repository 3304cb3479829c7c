// Test-only: the storage authority's two engines as a test parameter, for
// contract tests that must hold on both (storage.h): SQLite in memory, and
// PostgreSQL on a fresh database of the process's shared cluster
// (shared_postgres.h). The PostgreSQL cases are named ".../Postgres"; the
// build runs them in one process per group (tests/CMakeLists.txt).
//
//   class MyTest : public ::testing::TestWithParam<Engine> {};
//   INSTANTIATE_TEST_SUITE_P(Engines, MyTest, kBothEngines, engine_name);
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "server/sa/storage.h"
#include "support/shared_postgres.h"

namespace acmekit::test_support {

enum class Engine { kSqlite, kPostgres };

inline const auto kBothEngines = ::testing::Values(Engine::kSqlite, Engine::kPostgres);

inline std::string engine_name(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgres";
}

// Where a test's storage lives: "" for SQLite in memory, else the URL of its
// fresh PostgreSQL database (open it again for a second "instance").
struct EngineDatabase {
  Engine engine;
  std::string url;
};

// A new, empty database of that engine; url is "" on failure (the test has
// failed already) for PostgreSQL.
inline EngineDatabase fresh_engine_database(Engine engine) {
  if (engine == Engine::kSqlite) return {engine, ""};
  return {engine, fresh_postgres_database()};
}

inline Result<std::unique_ptr<server::sa::Storage>> open_engine(const EngineDatabase& where, int pool = 8) {
  if (where.engine == Engine::kSqlite) return server::sa::open_sqlite(":memory:");
  if (where.url.empty()) return make_error(ErrorKind::kUnavailable, "no PostgreSQL database for this test");
  return server::sa::open_postgres({.url = where.url, .pool = pool});
}

}  // namespace acmekit::test_support
