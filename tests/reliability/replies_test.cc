// Big replies against a real Server over loopback: they must not stall the
// loop (and through it every other client), must not pin more memory than
// max_pending_output_bytes allows, and must not hold up Shutdown. Each
// figure is printed next to its (generous) bound.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "framerpc/server_options.h"
#include "gtest/gtest.h"
#include "tests/reliability/process_stats.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace reliability {
namespace {

using test::kWait;
using test::RawClient;
using test::ServerHarness;
using test::TestRequest;
using test::TestService;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 5;
#else
constexpr int kSlowdown = 1;
#endif
// TSan keeps shadow memory for every byte the program touches (4 shadow
// bytes per byte, plus its metadata), all of it resident: memory bounds
// stretch with it.
#if defined(__SANITIZE_THREAD__)
constexpr int64_t kShadowFactor = 5;
#else
constexpr int64_t kShadowFactor = 1;
#endif

constexpr int kReplySize = 1 << 20;

std::string SizedRequest(int size) {
  TestRequest request;
  request.set_code(size);
  return request.SerializeAsString();
}

// Sends `count` Sized requests of `size` in one burst, then reads every
// reply. Returns how many arrived whole and OK.
int PipelineAndRead(RawClient* client, int count, int size) {
  std::string burst;
  const std::string body = SizedRequest(size);
  for (int i = 1; i <= count; ++i) {
    burst += test::EncodeRequest(static_cast<uint64_t>(i),
                                 TestService::Method("Sized"), body);
  }
  if (!client->SendRaw(burst).ok()) return 0;
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    auto response = client->Read(kWait);
    if (!response.ok() || !response->has_value()) break;
    if ((*response)->code() == absl::StatusCode::kOk) ++ok;
  }
  return ok;
}

TEST(Replies, BigRepliesDoNotStallCallsTheLoopAnswers) {
  ServerOptions options;
  // Threads producing replies at once: the loops' threads, up to
  // num_workers handed off, num_workers workers; with 2, about as many as
  // the four workers and the loop this test was written with (what is left
  // of the probe's latency is CPU contention between them).
  options.num_workers = 2;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> probe = harness.StartAndConnect();
  ASSERT_TRUE(probe.ok());

  constexpr int kBigClients = 2;
  // Fewer under sanitizers, which make each reply cost many times more.
  constexpr int kBigCalls = kSlowdown > 1 ? 32 : 128;
  std::atomic<int> big_done{0};
  std::vector<int> big_ok(kBigClients, 0);
  std::vector<std::thread> big;
  for (int c = 0; c < kBigClients; ++c) {
    big.emplace_back([&, c] {
      absl::StatusOr<RawClient> client = harness.Connect();
      // One reply first: until a connection has had one, the server cannot
      // hold its calls back by the size of their replies, and a burst
      // handed to the workers (when handlers on the loops were handed
      // off) may outrun this reader by more than max_pending_output_bytes
      // (server_options.h); this test is about the loop, not that limit.
      if (client.ok() && PipelineAndRead(&*client, 1, kReplySize) == 1) {
        big_ok[c] = PipelineAndRead(&*client, kBigCalls, kReplySize);
      }
      big_done.fetch_add(1);
    });
  }

  // An unknown method is answered UNIMPLEMENTED by the loop itself: its
  // latency is how long the loop was kept from its work. When workers
  // serialized under the output's mutex (and grew one doubling buffer
  // there), the loop waited on it: 137-197 ms here. When a loop ran all the
  // handlers it had queued in one go, leaving it only to the hand-off
  // monitor to catch one of them running, the probe waited 130-370 ms in 9
  // of 30 runs (p90 over 100 ms). Now a loop polls again after 1 ms of
  // handlers: p90 under 0.5 ms, worst 12-60 ms in 30 runs while another
  // build ran (CPU contention: the threads producing replies share two
  // cores). The bounds sit well above that and below those failures.
  std::vector<absl::Duration> latencies;
  uint64_t call_id = 0;
  while (big_done.load() < kBigClients) {
    const absl::Time start = absl::Now();
    ASSERT_TRUE(probe->Send(++call_id, "no.Such/Method", TestRequest()).ok());
    auto response = probe->Read(kWait);
    ASSERT_TRUE(response.ok() && response->has_value());
    EXPECT_EQ((*response)->code(), absl::StatusCode::kUnimplemented);
    latencies.push_back(absl::Now() - start);
  }
  for (std::thread& t : big) t.join();
  for (int c = 0; c < kBigClients; ++c) EXPECT_EQ(big_ok[c], kBigCalls);
  ASSERT_FALSE(latencies.empty());
  std::sort(latencies.begin(), latencies.end());
  const absl::Duration p90 = latencies[latencies.size() * 9 / 10];
  const absl::Duration worst = latencies.back();

  const absl::Duration bound = absl::Milliseconds(25 * kSlowdown);
  const absl::Duration worst_bound = absl::Milliseconds(200 * kSlowdown);
  std::printf(
      "loop-answered calls during %d x %d replies of %d KiB: %zu calls, "
      "p90 %s (bound %s), max %s (bound %s)\n",
      kBigClients, kBigCalls, kReplySize >> 10, latencies.size(),
      absl::FormatDuration(p90).c_str(), absl::FormatDuration(bound).c_str(),
      absl::FormatDuration(worst).c_str(),
      absl::FormatDuration(worst_bound).c_str());
  EXPECT_LT(p90, bound);
  EXPECT_LT(worst, worst_bound);
}

// What a connection has shown of its replies before it stops reading.
enum class Warmup {
  kNone,       // nothing: a fresh connection's first calls
  kBigReply,   // one reply of the burst's size, read
  kTinyReply,  // one tiny reply, read: the burst's replies outgrow it
};

// A peer that sends a burst of kCalls Sized requests (1 MiB replies) and
// reads nothing, against a 4 MiB output limit: the server stops running its
// calls, and its memory grows by at most the limit plus one reply (plus the
// serializing buffers of the threads that ran calls). The burst's call ids start at kFirstId.
constexpr int kCalls = 128;
constexpr int64_t kOutputLimit = 4 << 20;

constexpr uint64_t kFirstId = 100;

void SendBurstNeverRead(ServerHarness* harness, RawClient* client,
                        Warmup warmup) {
  if (warmup != Warmup::kNone) {
    const int size = warmup == Warmup::kBigReply ? kReplySize : 8;
    EXPECT_EQ(PipelineAndRead(client, 1, size), 1);
  }
  const int64_t rss_before = ResidentKib();
  const int run_before = harness->service().count();

  // 128 MiB of replies if all were queued.
  std::string burst;
  const std::string body = SizedRequest(kReplySize);
  for (int i = 0; i < kCalls; ++i) {
    burst += test::EncodeRequest(kFirstId + static_cast<uint64_t>(i),
                                 TestService::Method("Sized"), body);
  }
  EXPECT_TRUE(client->SendRaw(burst).ok());
  absl::StatusOr<int> settled =
      harness->WaitForCallCountToSettle(absl::Milliseconds(300), kWait);
  EXPECT_TRUE(settled.ok()) << settled.status();
  const int64_t grown_kib = ResidentKib() - rss_before;
  // The queue's bound (limit plus one reply), plus, for each thread that
  // may be producing a reply at once, that reply and its serializing buffer
  // (3 MiB): the loops' threads, those whose handlers were handed off and
  // the four workers (each reply checks the queue only once it is made),
  // plus the allocator's slack. Handed-off handlers are usually four at
  // most (the cap), but calls queued on a loop before the cap was reached
  // are handed off past it, a thread each, when the machine is busy enough
  // to make 1 MiB replies take over 1 ms (seen in CI: 38 MiB against a
  // bound that assumed four); every thread of the process may count.
  const int64_t producers = std::max(
      std::max(1, static_cast<int>(std::thread::hardware_concurrency())) + 8,
      ThreadCount());
  const int64_t bound_kib =
      (((kOutputLimit + kReplySize) >> 10) + producers * (3 << 10)) *
      kShadowFactor;
  std::printf(
      "non-reading peer, warm-up %d: %d of %d calls run, RSS %+lld KiB "
      "(bound %lld KiB, counting %lld threads)\n",
      static_cast<int>(warmup), settled.value_or(-1) - run_before, kCalls,
      static_cast<long long>(grown_kib), static_cast<long long>(bound_kib),
      static_cast<long long>(producers));
  EXPECT_LT(grown_kib, bound_kib + kAllocatorSlackKib);
}

// Reads the burst's answers: every call answered once, in any order; returns
// how many were refused (RESOURCE_EXHAUSTED: its reply found the output at
// its bound) rather than answered OK.
int ReadEveryAnswer(RawClient* client) {
  std::vector<bool> seen(kCalls, false);
  int refused = 0;
  for (int i = 0; i < kCalls; ++i) {
    auto response = client->Read(kWait);
    if (!response.ok() || !response->has_value()) {
      ADD_FAILURE() << "answer " << i << " of " << kCalls << " missing";
      break;
    }
    const uint64_t index = (*response)->header.call_id() - kFirstId;
    EXPECT_LT(index, static_cast<uint64_t>(kCalls));
    if (index >= static_cast<uint64_t>(kCalls)) continue;
    EXPECT_FALSE(seen[index]) << "call " << (*response)->header.call_id();
    seen[index] = true;
    if ((*response)->code() == absl::StatusCode::kResourceExhausted) {
      if (refused++ == 0) {
        std::printf("first refusal: %s\n",
                    (*response)->header.message().c_str());
      }
      EXPECT_NE((*response)->header.message().find("max_pending_output_bytes"),
                std::string::npos)
          << (*response)->header.message();
    } else {
      EXPECT_EQ((*response)->code(), absl::StatusCode::kOk)
          << (*response)->header.message();
    }
  }
  return refused;
}

ServerOptions SmallOutputLimit() {
  ServerOptions options;
  options.num_workers = 4;
  options.max_pending_output_bytes = kOutputLimit;
  return options;
}

// Regression: a fresh connection's first calls all start (nothing is
// known of their replies), and every one of them appended its reply, so
// 128 pipelined 1 MiB replies never read pinned 128 MiB against the 4 MiB
// limit. Now the replies that find the limit queued are refused; once the
// peer reads, every call has its answer.
TEST(Replies, NonReadingPeerPinsAtMostTheLimitPlusOneReplyFromItsFirstCall) {
  ServerHarness harness(SmallOutputLimit());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  SendBurstNeverRead(&harness, &*client, Warmup::kNone);
  const int refused = ReadEveryAnswer(&*client);
  std::printf("first calls' replies past the bound: %d of %d refused\n",
              refused, kCalls);
}

// Regression: replies growing past the largest the connection had shown
// (a tiny one, then 1 MiB ones) were queued whatever was queued already.
// Now a reply that finds the output at its bound is refused instead, so
// memory holds; once the peer reads, every call has its answer.
TEST(Replies, NonReadingPeerPinsAtMostTheLimitPlusOneReplyWhenRepliesGrow) {
  ServerHarness harness(SmallOutputLimit());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  SendBurstNeverRead(&harness, &*client, Warmup::kTinyReply);
  const int refused = ReadEveryAnswer(&*client);
  std::printf("replies grown past the bound: %d of %d refused\n", refused,
              kCalls);
}

TEST(Replies, NonReadingPeerPinsAtMostTheLimitPlusOneReply) {
  ServerHarness harness(SmallOutputLimit());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  SendBurstNeverRead(&harness, &*client, Warmup::kBigReply);

  // Shutdown ends within its grace although the output cannot drain.
  const absl::Duration grace = absl::Milliseconds(200);
  const absl::Time start = absl::Now();
  harness.server().Shutdown(grace);
  const absl::Duration took = absl::Now() - start;
  std::printf("shutdown with a full output: %s (grace %s)\n",
              absl::FormatDuration(took).c_str(),
              absl::FormatDuration(grace).c_str());
  EXPECT_LT(took, grace + absl::Milliseconds(500 * kSlowdown));
}

TEST(Replies, ShutdownEndsWithinItsGraceWhileBigRepliesFlow) {
  ServerOptions options;
  options.num_workers = 4;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  std::vector<std::thread> big;
  std::atomic<int> replies{0};
  for (int c = 0; c < 2; ++c) {
    big.emplace_back([&] {
      absl::StatusOr<RawClient> client = harness.Connect();
      if (client.ok()) replies += PipelineAndRead(&*client, 128, kReplySize);
    });
  }
  ASSERT_TRUE(
      Eventually([&] { return harness.service().count() >= 8; }, kWait));
  const absl::Duration grace = absl::Milliseconds(100);
  const absl::Time start = absl::Now();
  harness.server().Shutdown(grace);
  const absl::Duration took = absl::Now() - start;
  for (std::thread& t : big) t.join();
  std::printf("shutdown amid big replies: %s (grace %s), %d replies read\n",
              absl::FormatDuration(took).c_str(),
              absl::FormatDuration(grace).c_str(), replies.load());
  EXPECT_LT(took, grace + absl::Milliseconds(500 * kSlowdown));
}

}  // namespace
}  // namespace reliability
}  // namespace framerpc
