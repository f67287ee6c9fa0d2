#include "server/completion_queue.h"

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// The eventfd counter: how many wakeups were written since the last read
// (0 when none).
uint64_t TakeWakeups(const WakeupFd& wakeup) {
  pollfd p{wakeup.fd(), POLLIN, 0};
  if (::poll(&p, 1, 0) != 1) return 0;
  uint64_t count = 0;
  if (::read(wakeup.fd(), &count, sizeof(count)) != sizeof(count)) return 0;
  return count;
}

TEST(CompletionQueue, WakesTheLoopOnlyWhileItSleepsAndOncePerSleep) {
  absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
  ASSERT_TRUE(wakeup.ok());
  CompletionQueue completions(wakeup->get());
  const std::atomic<bool> waits(true);
  std::vector<uint64_t> finished;

  // The loop is busy: pushes queue without a wakeup...
  completions.Push(1, /*urgent=*/true, waits);
  completions.Push(2, /*urgent=*/true, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
  // ...and the loop, about to poll, is told not to wait.
  EXPECT_FALSE(completions.PrepareToSleep());
  completions.Awake();
  completions.TakeAll(&finished);
  EXPECT_EQ(finished, (std::vector<uint64_t>{1, 2}));

  // Asleep: the first push wakes it, the next ones join the batch.
  EXPECT_TRUE(completions.PrepareToSleep());
  completions.Push(3, /*urgent=*/true, waits);
  completions.Push(4, /*urgent=*/true, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 1u);
  completions.Awake();
  completions.TakeAll(&finished);
  EXPECT_EQ(finished, (std::vector<uint64_t>{3, 4}));

  // Awake again: no wakeup.
  completions.Push(5, /*urgent=*/true, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
}

// A call whose response the worker sent, on a connection the loop is not
// waiting on, must not cost the loop a wakeup (the hop back the worker
// path used to take); it is counted when the loop wakes for other reasons.
TEST(CompletionQueue, WakesTheSleepingLoopOnlyWhenItMustAct) {
  absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
  ASSERT_TRUE(wakeup.ok());
  CompletionQueue completions(wakeup->get());
  std::atomic<bool> waits(false);
  std::vector<uint64_t> finished;

  EXPECT_TRUE(completions.PrepareToSleep());
  completions.Push(1, /*urgent=*/false, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
  // Output left for the loop: wake it.
  completions.Push(2, /*urgent=*/true, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 1u);
  completions.Awake();
  completions.TakeAll(&finished);
  EXPECT_EQ(finished, (std::vector<uint64_t>{1, 2}));

  // The loop waits on this connection's calls (limits, read-closed,
  // stopping): wake it for an ordinary finish too.
  waits = true;
  EXPECT_TRUE(completions.PrepareToSleep());
  completions.Push(3, /*urgent=*/false, waits);
  EXPECT_EQ(TakeWakeups(**wakeup), 1u);
  completions.Awake();

  // A finish the loop was not woken for still keeps it from sleeping.
  waits = false;
  completions.TakeAll(&finished);
  completions.Push(4, /*urgent=*/false, waits);
  EXPECT_FALSE(completions.PrepareToSleep());
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
