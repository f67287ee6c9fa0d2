// End-to-end tests of handlers on the loop with hand-off (event_loop.h,
// "Handlers on the loop"): a handler that blocks holds its loop only until
// the hand-off bound, after which another thread serves the loop's other
// connections; past the cap of handed-off handlers, calls go to the workers
// and the loop stays free. (Short calls running on their loop's thread,
// no hop: server_inline_test.cc.)
#include <algorithm>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 5;
#else
constexpr int kSlowdown = 1;
#endif

struct Latencies {
  absl::Duration worst = absl::ZeroDuration();
  absl::Duration median = absl::ZeroDuration();
  int calls = 0;
};

// Echo calls on `client`, one at a time, for `window`.
Latencies ProbeFor(RawClient& client, absl::Duration window) {
  std::vector<absl::Duration> seen;
  uint64_t call_id = 1000;
  const absl::Time end = absl::Now() + window;
  while (absl::Now() < end) {
    const absl::Time start = absl::Now();
    absl::StatusOr<RawResponse> response = CallOnce(
        client, ++call_id, TestService::Method("Echo"), MakeRequest("probe"));
    EXPECT_TRUE(response.ok() && response->code() == absl::StatusCode::kOk)
        << response.status();
    if (!response.ok()) break;
    seen.push_back(absl::Now() - start);
  }
  Latencies result;
  result.calls = static_cast<int>(seen.size());
  if (seen.empty()) return result;
  std::sort(seen.begin(), seen.end());
  result.worst = seen.back();
  result.median = seen[seen.size() / 2];
  return result;
}

// The measure: a handler that blocks 300 ms, and a call on another
// connection of the same loop meanwhile. Without the hand-off (an inline
// service, which never hands off) that call waits out the whole block.
TEST(ServerHandoff, AHandlerBlocking300msDelaysAnotherConnectionByTheBound) {
  ServerOptions options;
  options.num_loops = 1;  // both connections on one loop: the worst case
  ServerHarness harness(options);
  absl::StatusOr<RawClient> blocker = harness.StartAndConnect();
  ASSERT_TRUE(blocker.ok()) << blocker.status();
  absl::StatusOr<RawClient> other = harness.Connect();
  ASSERT_TRUE(other.ok()) << other.status();
  ASSERT_TRUE(CallOnce(*other, 1, TestService::Method("Echo"),
                       MakeRequest("warm"))
                  .ok());

  ASSERT_TRUE(
      blocker->Send(1, TestService::Method("Block"), MakeRequest("300ms"))
          .ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  const absl::Time blocked_at = absl::Now();
  std::thread opener([&] {
    absl::SleepFor(absl::Milliseconds(300) - (absl::Now() - blocked_at));
    harness.service().gate().Open();
  });
  // Until shortly before the handler returns, so every probe overlaps it.
  const Latencies during = ProbeFor(*other, absl::Milliseconds(250));
  opener.join();
  absl::StatusOr<absl::optional<RawResponse>> blocked = blocker->Read();
  ASSERT_TRUE(blocked.ok() && blocked->has_value()) << blocked.status();
  EXPECT_EQ((*blocked)->code(), absl::StatusCode::kOk);

  const absl::Duration bound = absl::Milliseconds(30 * kSlowdown);
  std::printf(
      "calls on another connection while a handler blocked 300 ms: %d, "
      "worst %s, median %s (bound %s)\n",
      during.calls, absl::FormatDuration(during.worst).c_str(),
      absl::FormatDuration(during.median).c_str(),
      absl::FormatDuration(bound).c_str());
  EXPECT_GT(during.calls, 10);
  EXPECT_LT(during.worst, bound);
}

// num_workers handlers handed off and num_workers more on the workers, all
// blocked, and two more queued: the loop itself is not among the blocked,
// so it still answers what needs no handler, and every call completes
// once the handlers return. Threads stay bounded.
TEST(ServerHandoff, MoreBlockedHandlersThanWorkersLeaveTheLoopServing) {
  constexpr int kWorkers = 2;
  ServerOptions options;
  options.num_loops = 1;
  options.num_workers = kWorkers;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // Started: the loop's thread, the workers and the monitor are running.
  const int threads_serving = CountThreads();
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, kWorkers, 100, "held");
  ASSERT_TRUE(held.ok()) << held.status();
  for (uint64_t id : {200, 201}) {
    ASSERT_TRUE(
        client->Send(id, TestService::Method("Block"), MakeRequest("queued"))
            .ok());
  }
  absl::StatusOr<RawClient> other = harness.Connect();
  ASSERT_TRUE(other.ok()) << other.status();
  const absl::Time start = absl::Now();
  ASSERT_TRUE(RoundTripThroughTheLoop(*other, 1).ok());
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500 * kSlowdown));
  EXPECT_EQ(harness.service().gate().arrivals(), *held)
      << "a queued call started while every handler thread was held";

  // One thread per hand-off (each took over the loop from a blocked
  // handler), and no more than the cap of them: nothing per blocked call.
  EXPECT_LE(CountThreads() - threads_serving, kWorkers);

  harness.service().gate().Open();
  for (int i = 0; i < *held + 2; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->code(), absl::StatusCode::kOk)
        << (*response)->header.message();
  }
}

}  // namespace
}  // namespace test
}  // namespace framerpc
