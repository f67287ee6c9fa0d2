#include "server/worker_pool.h"

#include <atomic>
#include <chrono>
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

// Does what the event loop does for the pool: looks at deferred tasks
// every millisecond.
class StallChecker {
 public:
  explicit StallChecker(WorkerPool* pool)
      : thread_([this, pool] {
          while (!stop_.load()) {
            if (pool->HasDeferred()) pool->WakeIfStalled();
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
          }
        }) {}
  ~StallChecker() {
    stop_.store(true);
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

std::unique_ptr<WorkerPool> StartedPool(int threads) {
  absl::StatusOr<std::unique_ptr<WorkerPool>> pool =
      WorkerPool::Create(threads);
  EXPECT_TRUE(pool.ok()) << pool.status();
  return pool.ok() ? *std::move(pool) : nullptr;
}

TEST(WorkerPool, RunsEveryTaskOnItsThreads) {
  Tally tally;
  {
    std::unique_ptr<WorkerPool> pool = StartedPool(3);
    StallChecker checker(pool.get());
    EXPECT_EQ(pool->num_threads(), 3);
    Gate gate;
    // Three tasks meet at the gate: they run at the same time.
    for (int i = 0; i < 3; ++i)
      pool->Submit(std::make_unique<CountingTask>(&tally, &gate));
    ASSERT_TRUE(gate.WaitForArrivals(3, kWait));
    gate.Open();
    for (int i = 0; i < 100; ++i)
      pool->Submit(std::make_unique<CountingTask>(&tally, nullptr));
    // ~WorkerPool cancels whatever has not started; nothing may be lost.
  }
  EXPECT_EQ(tally.ran + tally.cancelled, 103);
  EXPECT_GE(tally.ran, 3);
}

TEST(WorkerPool, TaskBehindABlockedOneWaitsOnlyForTheStallCheck) {
  // Submitted together, the second task does not wake a second worker: the
  // first worker is expected to take it. When the first task blocks, only
  // WakeIfStalled (the loop's check) gets the second one a worker.
  // "Together" means within kFreshRun (200 us) of the first task starting:
  // a test thread preempted for longer between the two Submits (a loaded
  // machine, TSan) rightly wakes the second worker. Such a split burst
  // shows as no deferred task, and the staging is tried again.
  constexpr int kAttempts = 20;
  for (int attempt = 1; attempt <= kAttempts; ++attempt) {
    Tally tally;
    Gate blocker;
    std::unique_ptr<WorkerPool> pool = StartedPool(2);
    // Both workers asleep first: a worker still starting would take the
    // second task on its own.
    for (int i = 0; i < 5000 && pool->sleeping_workers() < 2; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_EQ(pool->sleeping_workers(), 2);
    pool->Submit(std::make_unique<CountingTask>(&tally, &blocker));
    pool->Submit(std::make_unique<CountingTask>(&tally, nullptr));
    ASSERT_TRUE(blocker.WaitForArrivals(1, kWait));
    if (!pool->HasDeferred() && attempt < kAttempts) {
      blocker.Open();
      pool->Shutdown();
      continue;  // the burst was split: stage it again
    }
    EXPECT_TRUE(pool->HasDeferred());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_EQ(tally.ran.load(), 0);  // still queued behind the blocked task

    // Older than kFreshRun by now: the check wakes the idle worker.
    pool->WakeIfStalled();
    for (int i = 0; i < 5000 && tally.ran.load() == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(tally.ran.load(), 1);
    blocker.Open();
    pool->Shutdown();
    EXPECT_EQ(tally.ran.load(), 2);
    EXPECT_EQ(tally.cancelled.load(), 0);
    return;
  }
}

TEST(WorkerPool, CancelPendingCancelsOnlyQueuedTasks) {
  Tally tally;
  Gate gate;
  std::unique_ptr<WorkerPool> pool = StartedPool(1);
  pool->Submit(std::make_unique<CountingTask>(&tally, &gate));
  ASSERT_TRUE(gate.WaitForArrivals(1, kWait));  // the only worker is busy
  for (int i = 0; i < 5; ++i)
    pool->Submit(std::make_unique<CountingTask>(&tally, nullptr));
  EXPECT_EQ(pool->CancelPending(), 5u);
  EXPECT_EQ(tally.cancelled, 5);
  gate.Open();
  pool->Shutdown();
  EXPECT_EQ(tally.ran, 1);
}

TEST(WorkerPool, ShutdownWaitsForRunningTasksAndCancelsLateOnes) {
  Tally tally;
  Gate gate;
  std::unique_ptr<WorkerPool> pool = StartedPool(2);
  pool->Submit(std::make_unique<CountingTask>(&tally, &gate));
  ASSERT_TRUE(gate.WaitForArrivals(1, kWait));
  std::thread opener([&] { gate.Open(); });
  pool->Shutdown();  // returns only once the gated task ran
  opener.join();
  EXPECT_EQ(tally.ran, 1);
  pool->Submit(std::make_unique<CountingTask>(&tally, nullptr));
  EXPECT_EQ(tally.cancelled, 1);
  pool->Shutdown();  // idempotent
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
