#include "client/silence_watch.h"

#include <chrono>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

using Action = SilenceWatch::Action;
using std::chrono::milliseconds;

const Deadline::Clock::time_point kStart{};

TEST(SilenceWatch, PingsAfterTheSilenceThenDeclaresDeath) {
  SilenceWatch watch(absl::Milliseconds(200), absl::Milliseconds(100));
  EXPECT_EQ(watch.Look(kStart, 10, 1), Action::kNone);  // silence begins
  EXPECT_EQ(watch.Look(kStart + milliseconds(199), 10, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(200), 10, 1), Action::kPing);
  // One ping only, then the timeout runs from it.
  EXPECT_EQ(watch.Look(kStart + milliseconds(250), 10, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(299), 10, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(300), 10, 1), Action::kDead);
}

TEST(SilenceWatch, AnyByteStartsTheSilenceOver) {
  SilenceWatch watch(absl::Milliseconds(200), absl::Milliseconds(100));
  EXPECT_EQ(watch.Look(kStart, 10, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(200), 10, 1), Action::kPing);
  // The answer to the ping arrived.
  EXPECT_EQ(watch.Look(kStart + milliseconds(290), 30, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(400), 30, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(490), 30, 1), Action::kPing);
}

TEST(SilenceWatch, CallsComingBackInFlightStartTheSilenceOver) {
  SilenceWatch watch(absl::Milliseconds(200), absl::Milliseconds(100));
  EXPECT_EQ(watch.Look(kStart, 10, 1), Action::kNone);
  // Long after, with no byte since but a new busy spell: not pinged at once.
  EXPECT_EQ(watch.Look(kStart + milliseconds(5000), 10, 2), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(5199), 10, 2), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + milliseconds(5200), 10, 2), Action::kPing);
}

TEST(SilenceWatch, InfiniteKeepaliveTimeIsOff) {
  SilenceWatch watch(absl::InfiniteDuration(), absl::Seconds(10));
  EXPECT_EQ(watch.Look(kStart, 0, 1), Action::kNone);
  EXPECT_EQ(watch.Look(kStart + std::chrono::hours(24 * 365), 0, 1),
            Action::kNone);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
