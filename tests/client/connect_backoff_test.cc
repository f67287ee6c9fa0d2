#include "client/connect_backoff.h"

#include <algorithm>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

TEST(ConnectBackoff, GrowsByTheMultiplierWithinTheJitterUpToTheMax) {
  ConnectBackoff backoff(/*seed=*/42);
  EXPECT_TRUE(backoff.next_attempt().Expired());  // no failure yet
  absl::Duration expected = ConnectBackoff::kInitial;
  for (int i = 0; i < 30; ++i) {
    const absl::Duration wait = backoff.Failed();
    EXPECT_GE(wait, expected * 0.8) << "failure " << i;
    EXPECT_LE(wait, expected * 1.2) << "failure " << i;
    EXPECT_FALSE(backoff.next_attempt().Expired());
    EXPECT_LE(backoff.next_attempt().Remaining(), wait);
    expected = std::min(expected * 1.6, ConnectBackoff::kMax);
  }
  EXPECT_EQ(expected, absl::Seconds(1));
}

TEST(ConnectBackoff, SuccessStartsOver) {
  ConnectBackoff backoff(/*seed=*/7);
  for (int i = 0; i < 10; ++i) backoff.Failed();
  backoff.Succeeded();
  EXPECT_TRUE(backoff.next_attempt().Expired());
  EXPECT_LE(backoff.Failed(), ConnectBackoff::kInitial * 1.2);
}

TEST(ConnectBackoff, JitterSpreadsChannelsThatFailedTogether) {
  ConnectBackoff a(/*seed=*/1);
  ConnectBackoff b(/*seed=*/2);
  bool differed = false;
  for (int i = 0; i < 10; ++i) differed |= a.Failed() != b.Failed();
  EXPECT_TRUE(differed);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
