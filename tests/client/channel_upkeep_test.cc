// ChannelUpkeep: the Channel's own thread runs posted jobs in order, looks
// the target up again on its timer and when asked (soon, but never within
// kMinRefreshSpacing of the last time, and never later than the timed
// refresh), checks health on its timer, and stops promptly.
#include "client/channel_upkeep.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/types/optional.h"
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

// Starts an upkeep thread refreshing every `interval`, asks it for a
// refresh at once, and returns how long the first refresh took to come;
// InfiniteDuration if it did not come within 10 s.
absl::Duration TimeToRequestedRefresh(absl::Duration interval) {
  std::mutex mu;
  std::condition_variable ran;
  absl::optional<absl::Time> first;
  ChannelUpkeep::Jobs jobs;
  jobs.refresh = [&] {
    std::lock_guard<std::mutex> lock(mu);
    if (!first.has_value()) first = absl::Now();
    ran.notify_all();
  };
  jobs.refresh_interval = interval;
  const absl::Time start = absl::Now();
  ChannelUpkeep upkeep(jobs);  // joined before what its job uses goes
  upkeep.RequestRefresh();
  std::unique_lock<std::mutex> lock(mu);
  ran.wait_for(lock, std::chrono::seconds(10),
               [&] { return first.has_value(); });
  return first.has_value() ? *first - start : absl::InfiniteDuration();
}

TEST(ChannelUpkeep, ARequestedRefreshComesNoLaterThanTheTimedOne) {
  // An interval shorter than the spacing: asking must not put it off. The
  // bound is 100 ms with room for a slow (sanitized) machine, well short
  // of the spacing of 1 s it used to wait.
  EXPECT_LT(TimeToRequestedRefresh(absl::Milliseconds(100)),
            ChannelUpkeep::kMinRefreshSpacing / 2);
}

TEST(ChannelUpkeep, ARequestedRefreshWaitsOutTheSpacing) {
  const absl::Duration waited = TimeToRequestedRefresh(absl::Seconds(30));
  EXPECT_GE(waited, ChannelUpkeep::kMinRefreshSpacing);
  EXPECT_LT(waited, absl::Seconds(5));  // not the 30 s interval
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
