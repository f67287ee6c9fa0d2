// CallMetrics: A66's buckets (a value on a bound counts in that bound's
// bucket), counts per status code, sums, exact totals when 8 threads count
// at once, and when more threads than shards do (some sharing the last
// one); a thread's shard is given back when it ends.
#include "rpc/call_metrics.h"

#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

TEST(CallMetrics, BoundariesAreA66s) {
  ASSERT_EQ(LatencyBucketBounds().size(), 41u);
  EXPECT_EQ(LatencyBucketBounds().front(), 0);
  EXPECT_EQ(LatencyBucketBounds()[1], 0.00001);
  EXPECT_EQ(LatencyBucketBounds().back(), 100);
  ASSERT_EQ(SizeBucketBounds().size(), 14u);
  EXPECT_EQ(SizeBucketBounds()[1], 1024);
  EXPECT_EQ(SizeBucketBounds().back(), 4294967296.0);
}

TEST(CallMetrics, NothingCountedReadsEmpty) {
  CallMetrics metrics;
  const CallMetrics::Snapshot snapshot = metrics.Read();
  EXPECT_EQ(snapshot.started, 0u);
  EXPECT_TRUE(snapshot.by_status.empty());
}

TEST(CallMetrics, ValuesFallInTheBucketWhoseInclusiveBoundTheyReach) {
  CallMetrics metrics;
  metrics.RecordStart();
  metrics.RecordStart();
  metrics.RecordStart();
  // 1 ms exactly: the 0.001 bucket (index 7); 1 KiB exactly: index 1.
  metrics.RecordFinish(absl::StatusCode::kOk, absl::Milliseconds(1), 1024, 0);
  // Just over 1 KiB: index 2; over every bound: +Inf.
  metrics.RecordFinish(absl::StatusCode::kOk, absl::Seconds(500), 1025,
                       size_t{5} << 30);
  metrics.RecordFinish(absl::StatusCode::kNotFound, absl::ZeroDuration(), 0, 0);
  const CallMetrics::Snapshot snapshot = metrics.Read();
  EXPECT_EQ(snapshot.started, 3u);
  ASSERT_EQ(snapshot.by_status.size(), 2u);
  const CallMetrics::StatusSnapshot& ok = snapshot.by_status[0];
  EXPECT_EQ(ok.code, absl::StatusCode::kOk);
  ASSERT_EQ(ok.latency_seconds.counts.size(), 42u);
  EXPECT_EQ(ok.latency_seconds.counts[7], 1u);
  EXPECT_EQ(ok.latency_seconds.counts[41], 1u);
  EXPECT_EQ(ok.latency_seconds.count, 2u);
  EXPECT_DOUBLE_EQ(ok.latency_seconds.sum, 500.001);
  ASSERT_EQ(ok.request_bytes.counts.size(), 15u);
  EXPECT_EQ(ok.request_bytes.counts[1], 1u);
  EXPECT_EQ(ok.request_bytes.counts[2], 1u);
  EXPECT_EQ(ok.request_bytes.sum, 2049);
  EXPECT_EQ(ok.response_bytes.counts[0], 1u);   // 0 bytes: the "0" bucket
  EXPECT_EQ(ok.response_bytes.counts[14], 1u);  // 5 GiB: +Inf
  const CallMetrics::StatusSnapshot& not_found = snapshot.by_status[1];
  EXPECT_EQ(not_found.code, absl::StatusCode::kNotFound);
  EXPECT_EQ(not_found.latency_seconds.counts[0], 1u);
  EXPECT_EQ(not_found.latency_seconds.count, 1u);
}

TEST(CallMetrics, ACodeOutsideTheWiresIsCountedAsUnknown) {
  CallMetrics metrics;
  metrics.RecordFinish(static_cast<absl::StatusCode>(99), absl::ZeroDuration(),
                       0, 0);
  const CallMetrics::Snapshot snapshot = metrics.Read();
  ASSERT_EQ(snapshot.by_status.size(), 1u);
  EXPECT_EQ(snapshot.by_status[0].code, absl::StatusCode::kUnknown);
}

TEST(CallMetrics, RecordLatencyLeavesTheSizesEmpty) {
  CallMetrics metrics;
  metrics.RecordLatency(absl::StatusCode::kDeadlineExceeded,
                        absl::Milliseconds(50));
  const CallMetrics::Snapshot snapshot = metrics.Read();
  EXPECT_EQ(snapshot.started, 0u);
  ASSERT_EQ(snapshot.by_status.size(), 1u);
  const CallMetrics::StatusSnapshot& status = snapshot.by_status[0];
  EXPECT_EQ(status.code, absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(status.latency_seconds.count, 1u);
  EXPECT_EQ(status.latency_seconds.counts[21], 1u);  // the 0.05 bound
  EXPECT_DOUBLE_EQ(status.latency_seconds.sum, 0.05);
  EXPECT_EQ(status.request_bytes.count, 0u);
  EXPECT_EQ(status.response_bytes.count, 0u);
}

TEST(CallMetrics, EightThreadsCountExactly) {
  CallMetrics metrics;
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, t] {
      for (int i = 0; i < kCallsEach; ++i) {
        metrics.RecordStart();
        // Half the threads fail, so two codes' cells are made concurrently.
        metrics.RecordFinish(t % 2 == 0 ? absl::StatusCode::kOk
                                        : absl::StatusCode::kUnavailable,
                             absl::Microseconds(100), 10, 20);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const CallMetrics::Snapshot snapshot = metrics.Read();
  EXPECT_EQ(snapshot.started, uint64_t{kThreads} * kCallsEach);
  ASSERT_EQ(snapshot.by_status.size(), 2u);
  for (const CallMetrics::StatusSnapshot& status : snapshot.by_status) {
    const uint64_t expected = uint64_t{kThreads / 2} * kCallsEach;
    EXPECT_EQ(status.latency_seconds.count, expected);
    EXPECT_EQ(status.latency_seconds.counts[3], expected);  // (5e-5, 1e-4]
    EXPECT_EQ(status.request_bytes.sum, 10.0 * expected);
    EXPECT_EQ(status.response_bytes.sum, 20.0 * expected);
    EXPECT_NEAR(status.latency_seconds.sum, 1e-4 * expected, 1e-6);
  }
}

TEST(CallMetrics, MoreThreadsThanShardsCountExactly) {
  CallMetrics metrics;
  constexpr int kThreads = 3 * kMetricShards;
  constexpr int kCallsEach = 5000;
  std::atomic<int> shared{0};
  std::atomic<int> claimed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, &shared, &claimed] {
      if (!ThisThreadMetricShard().exclusive) ++shared;
      // Every thread holds its shard before any ends and gives it back.
      ++claimed;
      while (claimed.load() < kThreads) std::this_thread::yield();
      for (int i = 0; i < kCallsEach; ++i) {
        metrics.RecordStart();
        metrics.RecordFinish(absl::StatusCode::kOk, absl::Microseconds(20), 1,
                             2);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  // At most kMetricShards - 1 threads hold a shard of their own at once
  // (fewer if this process's other threads hold some).
  EXPECT_GE(shared.load(), kThreads - (kMetricShards - 1));
  const CallMetrics::Snapshot snapshot = metrics.Read();
  const uint64_t expected = uint64_t{kThreads} * kCallsEach;
  EXPECT_EQ(snapshot.started, expected);
  ASSERT_EQ(snapshot.by_status.size(), 1u);
  EXPECT_EQ(snapshot.by_status[0].latency_seconds.counts[2], expected);
  EXPECT_EQ(snapshot.by_status[0].response_bytes.sum, 2.0 * expected);
}

TEST(CallMetrics, AThreadThatEndsGivesItsShardBack) {
  CallMetrics metrics;
  // One after another, far more threads than shards: each finds one free.
  for (int t = 0; t < 4 * kMetricShards; ++t) {
    MetricShard shard{-1, false};
    std::thread([&] {
      shard = ThisThreadMetricShard();
      metrics.RecordStart();
    }).join();
    EXPECT_TRUE(shard.exclusive) << "thread " << t;
    EXPECT_LT(shard.index, kMetricShards - 1);
  }
  EXPECT_EQ(metrics.Read().started, uint64_t{4} * kMetricShards);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
