// ChannelUpkeep: the Channel's own thread runs posted jobs in order, looks
// the target up again on its timer and when asked (never sooner than
// kMinRefreshSpacing after the last time), checks health on its timer, and
// stops promptly.
#include "client/channel_upkeep.h"

#include <atomic>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

// Polls `done` every millisecond until it holds or `limit` passes.
template <typename Condition>
bool WaitFor(Condition done, absl::Duration limit) {
  const absl::Time end = absl::Now() + limit;
  while (!done()) {
    if (absl::Now() > end) return false;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return true;
}

TEST(ChannelUpkeep, RunsPostedJobsInOrder) {
  ChannelUpkeep upkeep({});
  std::mutex mu;
  std::vector<int> order;
  absl::Notification last;
  for (int i = 0; i < 5; ++i) {
    upkeep.Post([&, i] {
      std::lock_guard<std::mutex> lock(mu);
      order.push_back(i);
      if (i == 4) last.Notify();
    });
  }
  ASSERT_TRUE(last.WaitForNotificationWithTimeout(absl::Seconds(10)));
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(ChannelUpkeep, RefreshesOnItsTimer) {
  std::atomic<int> refreshes{0};
  ChannelUpkeep::Jobs jobs;
  jobs.refresh = [&] { ++refreshes; };
  jobs.refresh_interval = absl::Milliseconds(20);
  const absl::Time start = absl::Now();
  ChannelUpkeep upkeep(std::move(jobs));
  ASSERT_TRUE(WaitFor([&] { return refreshes >= 3; }, absl::Seconds(10)));
  // Three intervals at least: none comes early.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(60));
}

TEST(ChannelUpkeep, RequestedRefreshesAreSpacedByTheMinimum) {
  std::atomic<int> refreshes{0};
  ChannelUpkeep::Jobs jobs;
  jobs.refresh = [&] { ++refreshes; };
  jobs.refresh_interval = absl::Hours(1);
  ChannelUpkeep upkeep(std::move(jobs));
  // Made a moment ago, as after the first lookup: the first request waits
  // out the spacing, and a burst of requests costs one refresh.
  const absl::Time start = absl::Now();
  for (int i = 0; i < 100; ++i) upkeep.RequestRefresh();
  ASSERT_TRUE(WaitFor([&] { return refreshes >= 1; }, absl::Seconds(10)));
  EXPECT_GE(absl::Now() - start,
            ChannelUpkeep::kMinRefreshSpacing - absl::Milliseconds(50));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(refreshes, 1);
}

TEST(ChannelUpkeep, ChecksHealthOnItsTimer) {
  std::atomic<int> checks{0};
  ChannelUpkeep::Jobs jobs;
  jobs.check_health = [&] { ++checks; };
  jobs.health_interval = absl::Milliseconds(10);
  ChannelUpkeep upkeep(std::move(jobs));
  EXPECT_TRUE(WaitFor([&] { return checks >= 5; }, absl::Seconds(10)));
}

TEST(ChannelUpkeep, StopsPromptlyWithNothingDue) {
  ChannelUpkeep::Jobs jobs;
  jobs.refresh = [] {};
  jobs.refresh_interval = absl::Hours(1);
  const absl::Time start = absl::Now();
  { ChannelUpkeep upkeep(std::move(jobs)); }
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
