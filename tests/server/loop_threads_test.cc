#include "server/loop_threads.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// A loop that, the first `handoffs` times it is served, hands itself on
// (granting itself again, as the monitor would, once the thread before has
// had time to come back) and then stops.
class RelayLoop final : public ServedLoop {
 public:
  RelayLoop(LoopThreads* threads, int handoffs)
      : threads_(threads), handoffs_left_(handoffs) {}
  Outcome Serve() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      servers_.insert(std::this_thread::get_id());
    }
    if (handoffs_left_.fetch_sub(1) > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      EXPECT_TRUE(threads_->Grant(this, true).ok());
      return Outcome::kHandedOff;
    }
    return Outcome::kStopped;
  }
  size_t distinct_servers() {
    std::lock_guard<std::mutex> lock(mu_);
    return servers_.size();
  }

 private:
  LoopThreads* const threads_;
  std::atomic<int> handoffs_left_;
  std::mutex mu_;
  std::set<std::thread::id> servers_;
};

TEST(LoopThreads, AHandedOffLoopIsServedOnUntilItStops) {
  LoopThreads threads;
  RelayLoop loop(&threads, 50);
  ASSERT_TRUE(threads.Grant(&loop, false).ok());
  threads.WaitUntilStopped(1);
  // The thread left behind comes back and serves a later hand-off: a
  // couple of threads, not fifty.
  EXPECT_LE(threads.threads_made(), 3);
  EXPECT_LE(loop.distinct_servers(), static_cast<size_t>(threads.threads_made()));
  threads.Shutdown();
}

TEST(LoopThreads, NoGrantAfterShutdown) {
  LoopThreads threads;
  threads.Shutdown();
  RelayLoop loop(&threads, 0);
  const absl::Status granted = threads.Grant(&loop, true);
  EXPECT_EQ(granted.code(), absl::StatusCode::kFailedPrecondition) << granted;
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
