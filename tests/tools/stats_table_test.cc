// framerpc_cli stats' table: the quantile estimate (as Prometheus's
// histogram_quantile) and the table for a known answer, byte for byte.
#include "tools/stats_table.h"

#include "gtest/gtest.h"

namespace framerpc {
namespace cli {
namespace {

TEST(EstimateQuantile, InterpolatesWithinTheBucket) {
  const std::vector<double> bounds = {1, 2, 4};
  // 10 values in (1, 2], 10 in (2, 4].
  const std::vector<uint64_t> counts = {0, 10, 10, 0};
  EXPECT_DOUBLE_EQ(*EstimateQuantile(bounds, counts, 0.5), 2);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(bounds, counts, 0.25), 1.5);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(bounds, counts, 0.75), 3);
  EXPECT_DOUBLE_EQ(*EstimateQuantile(bounds, counts, 1), 4);
}

TEST(EstimateQuantile, FirstBucketStartsAtZeroAndInfIsTheLastBound) {
  EXPECT_DOUBLE_EQ(*EstimateQuantile({1, 2}, {4, 0, 0}, 0.5), 0.5);
  EXPECT_DOUBLE_EQ(*EstimateQuantile({1, 2}, {0, 0, 3}, 0.5), 2);
}

TEST(EstimateQuantile, NothingToEstimate) {
  EXPECT_FALSE(EstimateQuantile({1, 2}, {0, 0, 0}, 0.5).has_value());
  EXPECT_FALSE(EstimateQuantile({1, 2}, {1, 1}, 0.5).has_value());
}

TEST(FormatSeconds, PicksAUnit) {
  EXPECT_EQ(FormatSeconds(0.00085), "850us");
  EXPECT_EQ(FormatSeconds(0.0125), "12.5ms");
  EXPECT_EQ(FormatSeconds(2.1), "2.10s");
}

admin::Histogram MakeHistogram(std::vector<uint64_t> counts, double sum) {
  admin::Histogram histogram;
  uint64_t count = 0;
  for (uint64_t c : counts) {
    histogram.add_counts(c);
    count += c;
  }
  histogram.set_count(count);
  histogram.set_sum(sum);
  return histogram;
}

TEST(FormatStatsTable, OneRowPerCalledMethod) {
  admin::StatsReply stats;
  for (double bound : {0.001, 0.01}) stats.add_latency_bounds_seconds(bound);
  admin::MethodStats* get = stats.add_methods();
  get->set_method("kv.KeyValue/Get");
  get->set_started(10);
  admin::StatusStats* ok = get->add_statuses();
  ok->set_code("OK");
  *ok->mutable_latency_seconds() = MakeHistogram({7, 0, 0}, 0.0035);
  *ok->mutable_request_bytes() = MakeHistogram({7}, 70);
  *ok->mutable_response_bytes() = MakeHistogram({7}, 140);
  admin::StatusStats* missing = get->add_statuses();
  missing->set_code("NOT_FOUND");
  *missing->mutable_latency_seconds() = MakeHistogram({0, 3, 0}, 0.015);
  *missing->mutable_request_bytes() = MakeHistogram({3}, 30);
  admin::MethodStats* put = stats.add_methods();
  put->set_method("kv.KeyValue/Put");
  admin::MethodStats* other = stats.add_methods();
  other->set_method("other");
  other->set_started(2);
  admin::StatusStats* unimplemented = other->add_statuses();
  unimplemented->set_code("UNIMPLEMENTED");
  *unimplemented->mutable_latency_seconds() = MakeHistogram({2, 0, 0}, 0);
  stats.set_connections_open(1);
  stats.set_connections_accepted(3);
  EXPECT_EQ(FormatStatsTable(stats),
            "METHOD           CALLS  OK  ERRORS             P50    P99  "
            "RCVD_BYTES  SENT_BYTES\n"
            "kv.KeyValue/Get     10   7  NOT_FOUND=3      714us  9.7ms  "
            "       100         140\n"
            "other                2   0  UNIMPLEMENTED=2  500us  990us  "
            "         0           0\n"
            "(1 method without calls not shown)\n"
            "connections: 1 open, 3 accepted\n");
}

}  // namespace
}  // namespace cli
}  // namespace framerpc
