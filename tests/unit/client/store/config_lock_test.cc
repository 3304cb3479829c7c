// The config dir lock: threads of one process take turns, the thread that
// holds it may take it again, and another process holding the flock makes
// acquire wait and then fail with kUnavailable naming the lock file.
#include "client/store/config_lock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

namespace acmekit::client::store {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

class ConfigLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("acmekit-lock-" + std::to_string(::getpid()) + "-" +
                                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  fs::path dir;
};

TEST_F(ConfigLockTest, ThreadsTakeTurnsAndTheHolderMayTakeItAgain) {
  std::atomic<int> inside = 0;
  std::atomic<int> most = 0;
  int counter = 0;  // guarded by the lock only: a race here is what TSan would report
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        auto outer = ConfigLock::acquire(dir, 10s);
        ASSERT_TRUE(outer.has_value()) << outer.error().message();
        auto inner = ConfigLock::acquire(dir, 10s);  // reentrant: must not wait for itself
        ASSERT_TRUE(inner.has_value()) << inner.error().message();
        const int now = ++inside;
        int seen = most.load();
        while (now > seen && !most.compare_exchange_weak(seen, now)) {
        }
        ++counter;
        --inside;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(most.load(), 1);
  EXPECT_EQ(counter, 200);
  EXPECT_EQ(fs::status(dir / ".lock").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
}

TEST_F(ConfigLockTest, AnotherProcessHoldingItMakesAcquireFailAfterTheTimeout) {
  fs::create_directories(dir);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const int fd = ::open((dir / ".lock").c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    ::sleep(3);
    ::_exit(0);
  }
  char c;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  auto busy = ConfigLock::acquire(dir, 300ms);
  ASSERT_FALSE(busy.has_value());
  EXPECT_EQ(busy.error().kind, ErrorKind::kUnavailable);
  EXPECT_NE(busy.error().message().find((dir / ".lock").string()), std::string::npos) << busy.error().message();
  // The failed attempt gave its turn back: once the other process is gone,
  // this process takes the lock.
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  auto taken = ConfigLock::acquire(dir, 1s);
  EXPECT_TRUE(taken.has_value()) << taken.error().message();
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace acmekit::client::store
