#include "server/worker_pool.h"

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace internal {
namespace {

using test::Gate;
using test::kWait;

struct Tally {
  std::atomic<int> ran{0};
  std::atomic<int> cancelled{0};
};

class CountingTask final : public WorkerTask {
 public:
  CountingTask(Tally* tally, Gate* gate) : tally_(tally), gate_(gate) {}
  void Run() override {
    if (gate_ != nullptr) gate_->Pass(kWait);
    ++tally_->ran;
  }
  void Cancel() override { ++tally_->cancelled; }

 private:
  Tally* tally_;
  Gate* gate_;
};

TEST(WorkerPool, RunsEveryTaskOnItsThreads) {
  Tally tally;
  {
    WorkerPool pool(3);
    EXPECT_EQ(pool.num_threads(), 3);
    Gate gate;
    // Three tasks meet at the gate: they run at the same time.
    for (int i = 0; i < 3; ++i)
      pool.Submit(std::make_unique<CountingTask>(&tally, &gate));
    ASSERT_TRUE(gate.WaitForArrivals(3, kWait));
    gate.Open();
    for (int i = 0; i < 100; ++i)
      pool.Submit(std::make_unique<CountingTask>(&tally, nullptr));
    // ~WorkerPool cancels whatever has not started; nothing may be lost.
  }
  EXPECT_EQ(tally.ran + tally.cancelled, 103);
  EXPECT_GE(tally.ran, 3);
}

TEST(WorkerPool, CancelPendingCancelsOnlyQueuedTasks) {
  Tally tally;
  Gate gate;
  WorkerPool pool(1);
  pool.Submit(std::make_unique<CountingTask>(&tally, &gate));
  ASSERT_TRUE(gate.WaitForArrivals(1, kWait));  // the only worker is busy
  for (int i = 0; i < 5; ++i)
    pool.Submit(std::make_unique<CountingTask>(&tally, nullptr));
  EXPECT_EQ(pool.CancelPending(), 5u);
  EXPECT_EQ(tally.cancelled, 5);
  gate.Open();
  pool.Shutdown();
  EXPECT_EQ(tally.ran, 1);
}

TEST(WorkerPool, ShutdownWaitsForRunningTasksAndCancelsLateOnes) {
  Tally tally;
  Gate gate;
  WorkerPool pool(2);
  pool.Submit(std::make_unique<CountingTask>(&tally, &gate));
  ASSERT_TRUE(gate.WaitForArrivals(1, kWait));
  std::thread opener([&] { gate.Open(); });
  pool.Shutdown();  // returns only once the gated task ran
  opener.join();
  EXPECT_EQ(tally.ran, 1);
  pool.Submit(std::make_unique<CountingTask>(&tally, nullptr));
  EXPECT_EQ(tally.cancelled, 1);
  pool.Shutdown();  // idempotent
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
