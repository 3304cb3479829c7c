// Test-only: one PostgreSQL cluster (postgres_cluster.h) for the whole test
// process, for suites whose cases each want a fresh database but not a
// server of their own (initdb + start cost seconds; a database, a fraction).
//
// Started by the first test that asks, on the thread that runs the tests
// (gtest's main thread, which outlives the server: PDEATHSIG fires when the
// thread that forked the postmaster exits), stopped when the process exits.
// A cluster that cannot start is remembered and fails every test that asks
// for it (never a skip, never a second 30 s wait).
//
// ctest runs each discovered test in a process of its own, so the suites
// using this are registered as one ctest test per group (tests/CMakeLists.txt):
// the PostgreSQL cases are named ".../Postgres" or "PgStorageTest.*".
#pragma once

#include <string>

#include "support/postgres_cluster.h"

namespace acmekit::test_support {

// The process's cluster; nullptr (and *error set) when it could not start.
PostgresCluster* shared_postgres(std::string* error);

// A new database on the shared cluster, named after the current test, owned
// by role acmekit; its URL. Its default collation is linguistic (ICU,
// punctuation ignored at the first level, as under en_US.UTF-8 on most
// production servers) rather than the cluster's C, so code that relies on
// byte order without saying COLLATE "C" is caught. Fails the current test
// (ADD_FAILURE) and returns "" when the cluster or the database cannot be had.
std::string fresh_postgres_database();

}  // namespace acmekit::test_support
