#include "client/deadline.h"

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

TEST(Deadline, InfiniteNeverExpiresAndPollsForever) {
  for (const Deadline& deadline :
       {Deadline::Infinite(), Deadline::After(absl::InfiniteDuration()),
        Deadline::After(absl::Hours(24 * 365 * 1000))}) {
    EXPECT_TRUE(deadline.infinite());
    EXPECT_FALSE(deadline.Expired());
    EXPECT_EQ(deadline.PollTimeoutMs(), -1);
    EXPECT_EQ(deadline.Remaining(), absl::InfiniteDuration());
  }
}

TEST(Deadline, PastDeadlineIsExpiredWithZeroPollTimeout) {
  const Deadline deadline = Deadline::After(-absl::Seconds(1));
  EXPECT_FALSE(deadline.infinite());
  EXPECT_TRUE(deadline.Expired());
  EXPECT_EQ(deadline.PollTimeoutMs(), 0);
  EXPECT_LT(deadline.Remaining(), absl::ZeroDuration());
}

TEST(Deadline, PollTimeoutRoundsUp) {
  const Deadline deadline = Deadline::After(absl::Seconds(10));
  EXPECT_FALSE(deadline.Expired());
  EXPECT_GT(deadline.PollTimeoutMs(), 9000);
  EXPECT_LE(deadline.PollTimeoutMs(), 10000);
  // Less than a millisecond left still waits one, rather than spin at 0.
  EXPECT_EQ(Deadline::After(absl::Microseconds(300)).PollTimeoutMs() >= 0,
            true);
  EXPECT_LE(deadline.Remaining(), absl::Seconds(10));
  EXPECT_GT(deadline.Remaining(), absl::Seconds(9));
}

TEST(Deadline, EarlierPicksTheSoonerOne) {
  const Deadline soon = Deadline::After(absl::Seconds(1));
  const Deadline late = Deadline::After(absl::Seconds(100));
  const Deadline never = Deadline::Infinite();
  EXPECT_EQ(Deadline::Earlier(soon, late).steady(), soon.steady());
  EXPECT_EQ(Deadline::Earlier(late, soon).steady(), soon.steady());
  EXPECT_EQ(Deadline::Earlier(never, late).steady(), late.steady());
  EXPECT_TRUE(Deadline::Earlier(never, never).infinite());
  EXPECT_TRUE(soon.NotAfter(late));
  EXPECT_TRUE(soon.NotAfter(soon));
  EXPECT_FALSE(late.NotAfter(soon));
  EXPECT_TRUE(late.NotAfter(never));
  EXPECT_FALSE(never.NotAfter(late));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
