// run_bounded (bounded_run.h): every job runs once; never more than
// `parallel` at once, and `parallel` really at once (the first jobs wait for
// each other at a rendezvous, which only a pool of that size can pass);
// stop_at_failure leaves later jobs unstarted; the lowest failing index wins.
#include "client/challenge/bounded_run.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <vector>

namespace acmekit::client::challenge {
namespace {

TEST(BoundedRunTest, EveryJobOnceAndNeverMoreThanTheLimitAtOnce) {
  constexpr int kParallel = 4;
  std::mutex mu;
  std::condition_variable cv;
  int in_flight = 0, max_in_flight = 0, arrived = 0;
  bool rendezvous_timed_out = false;
  std::multiset<std::size_t> ran;
  Status st = run_bounded(50, kParallel, false, [&](std::size_t i) -> Status {
    std::unique_lock lock(mu);
    ran.insert(i);
    max_in_flight = std::max(max_in_flight, ++in_flight);
    if (++arrived <= kParallel) {
      // The first kParallel jobs meet: passable only if they run at once.
      cv.notify_all();
      if (!cv.wait_for(lock, std::chrono::seconds(20), [&] { return arrived >= kParallel; })) {
        rendezvous_timed_out = true;
      }
    }
    --in_flight;
    return {};
  });
  EXPECT_TRUE(st);
  EXPECT_FALSE(rendezvous_timed_out);
  EXPECT_EQ(max_in_flight, kParallel);
  ASSERT_EQ(ran.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(ran.count(i), 1u) << i;
}

TEST(BoundedRunTest, OneAtATimeRunsInOrder) {
  std::vector<std::size_t> order;
  Status st = run_bounded(5, 1, false, [&](std::size_t i) -> Status {
    order.push_back(i);
    return {};
  });
  EXPECT_TRUE(st);
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2, 3, 4}));
}

TEST(BoundedRunTest, StopAtFailureStartsNothingAfterIt) {
  std::vector<std::size_t> order;
  Status st = run_bounded(6, 1, true, [&](std::size_t i) -> Status {
    order.push_back(i);
    if (i == 2) return make_error(ErrorKind::kIo, "zone 2 failed");
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().detail, "zone 2 failed");
  EXPECT_EQ(order, (std::vector<std::size_t>{0, 1, 2}));
}

TEST(BoundedRunTest, GoingOnPastFailuresReportsTheFirstByIndex) {
  std::atomic<int> runs{0};
  Status st = run_bounded(8, 3, false, [&](std::size_t i) -> Status {
    ++runs;
    if (i == 5 || i == 3) return make_error(ErrorKind::kIo, "zone " + std::to_string(i));
    return {};
  });
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().detail, "zone 3");
  EXPECT_EQ(runs.load(), 8);
}

TEST(BoundedRunTest, NoJobs) { EXPECT_TRUE(run_bounded(0, 4, true, [](std::size_t) -> Status { return {}; })); }

}  // namespace
}  // namespace acmekit::client::challenge
