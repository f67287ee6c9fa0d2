#include "server/loop_ownership.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

using Clock = LoopOwnership::Clock;
using std::chrono::milliseconds;

TEST(LoopOwnership, AHandlerWithinTheBoundKeepsItsLoop) {
  std::atomic<uint32_t> doorbell{0};
  LoopOwnership ownership(&doorbell);
  const Clock::time_point start = Clock::now();
  const uint64_t token = ownership.BeginHandler(start);
  EXPECT_TRUE(ownership.InHandler());
  EXPECT_FALSE(ownership.TakeIfOverdue(start + milliseconds(1), milliseconds(2)));
  EXPECT_TRUE(ownership.EndHandler(token));
  EXPECT_FALSE(ownership.InHandler());
  // Idle: there is nothing to take, however late.
  EXPECT_FALSE(ownership.TakeIfOverdue(start + milliseconds(100), milliseconds(2)));
  EXPECT_EQ(ownership.handlers_begun(), 1u);
}

TEST(LoopOwnership, AnOverdueHandlerLosesItsLoopExactlyOnce) {
  std::atomic<uint32_t> doorbell{0};
  LoopOwnership ownership(&doorbell);
  const Clock::time_point start = Clock::now();
  const uint64_t token = ownership.BeginHandler(start);
  EXPECT_TRUE(ownership.TakeIfOverdue(start + milliseconds(2), milliseconds(2)));
  // Taken once: a second look finds nothing to take.
  EXPECT_FALSE(ownership.TakeIfOverdue(start + milliseconds(9), milliseconds(2)));
  EXPECT_FALSE(ownership.EndHandler(token));
}

// The new holder may resume and begin handlers of its own before the old
// one's handler returns: the old token must still say "not yours".
TEST(LoopOwnership, TheOldHolderStaysOutAfterTheNewOneBeginsHandlers) {
  std::atomic<uint32_t> doorbell{0};
  LoopOwnership ownership(&doorbell);
  const Clock::time_point start = Clock::now();
  const uint64_t old_token = ownership.BeginHandler(start);
  ASSERT_TRUE(ownership.TakeIfOverdue(start + milliseconds(5), milliseconds(1)));
  ownership.Resume();
  const uint64_t new_token = ownership.BeginHandler(start + milliseconds(5));
  EXPECT_FALSE(ownership.EndHandler(old_token));
  EXPECT_TRUE(ownership.InHandler());
  EXPECT_TRUE(ownership.EndHandler(new_token));
}

// A run of short handlers counts from its first: the loop served nobody
// else meanwhile.
TEST(LoopOwnership, TheBoundCountsFromTheStartOfARunOfHandlers) {
  std::atomic<uint32_t> doorbell{0};
  LoopOwnership ownership(&doorbell);
  const Clock::time_point run_start = Clock::now() - milliseconds(5);
  ASSERT_TRUE(ownership.EndHandler(ownership.BeginHandler(run_start)));
  ownership.BeginHandler(run_start);
  EXPECT_TRUE(ownership.TakeIfOverdue(Clock::now(), milliseconds(1)));
}

TEST(LoopOwnership, ABeginningHandlerRingsASleepingMonitor) {
  std::atomic<uint32_t> doorbell{1};
  LoopOwnership ownership(&doorbell);
  ownership.BeginHandler(Clock::now());
  EXPECT_EQ(doorbell.load(), 0u);
}

// The race the design rests on, many times over: the handler's end and
// the monitor's take; exactly one wins each time.
TEST(LoopOwnership, EndAndTakeRaceWithExactlyOneWinner) {
  std::atomic<uint32_t> doorbell{0};
  LoopOwnership ownership(&doorbell);
  constexpr int kRounds = 20000;
  std::atomic<int> taken{0};
  std::atomic<bool> done{false};
  std::thread monitor([&] {
    while (!done.load()) {
      if (ownership.TakeIfOverdue(Clock::now(), Clock::duration::zero())) {
        taken.fetch_add(1);
      }
    }
  });
  int kept = 0;
  for (int i = 0; i < kRounds; ++i) {
    const uint64_t token = ownership.BeginHandler(Clock::now());
    if (ownership.EndHandler(token)) {
      ++kept;
    } else {
      ownership.Resume();  // as the thread the monitor granted it to would
    }
  }
  done.store(true);
  monitor.join();
  EXPECT_EQ(kept + taken.load(), kRounds);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
