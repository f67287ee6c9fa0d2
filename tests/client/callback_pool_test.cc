#include "client/callback_pool.h"

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/client/fake_server.h"

namespace framerpc {
namespace internal {
namespace {

using testing_support::Event;

TEST(CallbackPool, RunsTasksInOrderOnItsOwnThread) {
  CallbackPool pool("test-pool", 1);
  std::vector<int> order;  // written by the one pool thread only
  std::thread::id ran_on;
  Event finished;
  for (int i = 0; i < 5; ++i) {
    pool.Post([&order, i] { order.push_back(i); });
  }
  pool.Post([&] {
    ran_on = std::this_thread::get_id();
    finished.Notify();
  });
  ASSERT_TRUE(finished.WaitFor());
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_NE(ran_on, std::this_thread::get_id());
}

TEST(CallbackPool, ABlockedTaskHoldsUpOthersOnlyWhenEveryThreadIsBusy) {
  CallbackPool pool("test-pool", 2);
  Event release;
  Event second_ran;
  pool.Post([&] { release.WaitFor(); });
  pool.Post([&] { second_ran.Notify(); });
  EXPECT_TRUE(second_ran.WaitFor());
  release.Notify();
}

TEST(CallbackPool, ATaskMayDestroyThePoolItRunsOn) {
  auto pool = std::make_shared<std::unique_ptr<CallbackPool>>(
      std::make_unique<CallbackPool>("test-pool", 2));
  Event destroyed;
  (*pool)->Post([pool, &destroyed] {
    pool->reset();  // joins the other thread, detaches this one
    destroyed.Notify();
  });
  EXPECT_TRUE(destroyed.WaitFor());
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
