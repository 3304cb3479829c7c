// The storage tests' check of an exclusive lock (sa::Storage::exclusive):
// shared by the contract tests on both engines and the PostgreSQL tests of
// two instances on one database.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "server/sa/storage.h"

namespace acmekit::server::sa {

// Runs `threads` threads, each taking lock `name` `rounds` times from
// storage (thread % storages.size()), counting who is inside: never two.
inline void expect_mutual_exclusion(const std::vector<Storage*>& storages, const std::string& name, int threads,
                             int rounds) {
  std::atomic<int> inside{0}, most{0}, entered{0}, errors{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Storage& s = *storages[static_cast<std::size_t>(t) % storages.size()];
      for (int i = 0; i < rounds; ++i) {
        auto lock = s.exclusive(name);
        if (!lock) {
          ++errors;
          ADD_FAILURE() << lock.error().message();
          continue;
        }
        const int now_inside = ++inside;
        int seen = most.load();
        while (now_inside > seen && !most.compare_exchange_weak(seen, now_inside)) {
        }
        ++entered;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        --inside;
      }
    });
  }
  for (auto& w : workers) w.join();
  EXPECT_EQ(errors, 0);
  EXPECT_EQ(entered, threads * rounds);
  EXPECT_EQ(most, 1) << "two holders of lock " << name << " at once";
}

}  // namespace acmekit::server::sa
