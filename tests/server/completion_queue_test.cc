#include "server/completion_queue.h"

#include <poll.h>
#include <unistd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

CallResult ResultFor(uint64_t call_id) {
  CallResult result;
  result.header.set_call_id(call_id);
  return result;
}

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
  std::vector<CallResult> results;

  // The loop is busy: pushes queue without a wakeup...
  completions.Push(ResultFor(1));
  completions.Push(ResultFor(2));
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
  // ...and the loop, about to poll, is told not to wait.
  EXPECT_FALSE(completions.PrepareToSleep());
  completions.Awake();
  completions.TakeAll(&results);
  EXPECT_EQ(results.size(), 2u);

  // Asleep: the first push wakes it, the next ones join the batch.
  EXPECT_TRUE(completions.PrepareToSleep());
  completions.Push(ResultFor(3));
  completions.Push(ResultFor(4));
  EXPECT_EQ(TakeWakeups(**wakeup), 1u);
  completions.Awake();
  completions.TakeAll(&results);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].header.call_id(), 3u);

  // Awake again: no wakeup.
  completions.Push(ResultFor(5));
  EXPECT_EQ(TakeWakeups(**wakeup), 0u);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
