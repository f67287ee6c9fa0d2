// The Prometheus text writer: label escaping, number formatting, and a
// histogram written out and parsed back (cumulative buckets, +Inf, _sum,
// _count).
#include "rpc/prometheus_text.h"

#include <string>

#include "gtest/gtest.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc {
namespace internal {
namespace {

using testing_support::ParsePrometheusText;
using testing_support::PrometheusText;

TEST(PrometheusText, EscapesLabelValuesPerTheFormat) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\\b"), "a\\\\b");
  EXPECT_EQ(EscapeLabelValue("say \"hi\""), "say \\\"hi\\\"");
  EXPECT_EQ(EscapeLabelValue("two\nlines"), "two\\nlines");
}

TEST(PrometheusText, FormatsNumbersShortestAndExact) {
  const struct {
    double value;
    const char* text;
  } cases[] = {{0, "0"},           {7, "7"},
               {4294967296.0, "4294967296"},
               {0.00001, "1e-05"}, {0.013, "0.013"},
               {0.1 + 0.2, "0.30000000000000004"},
               {HUGE_VAL, "+Inf"}, {-HUGE_VAL, "-Inf"}};
  for (const auto& c : cases) {
    EXPECT_EQ(FormatSampleValue(c.value), c.text) << c.text;
  }
}

TEST(PrometheusText, AHeaderEscapesItsHelp) {
  std::string out;
  AppendFamilyHeader("x_total", "counter", "a\\b\nc", &out);
  EXPECT_EQ(out, "# HELP x_total a\\\\b\\nc\n# TYPE x_total counter\n");
}

TEST(PrometheusText, AHistogramReadsBackCumulative) {
  HistogramSnapshot histogram;
  histogram.counts = {1, 0, 2, 3};  // bounds 1, 2, 4, then +Inf
  histogram.count = 6;
  histogram.sum = 31.5;
  std::string out;
  AppendFamilyHeader("h", "histogram", "test", &out);
  AppendHistogram("h", {{"grpc_method", "a\"b"}}, {1, 2, 4}, histogram, &out);
  absl::StatusOr<PrometheusText> parsed = ParsePrometheusText(out);
  ASSERT_TRUE(parsed.ok()) << parsed.status() << "\n" << out;
  EXPECT_EQ(parsed->types.at("h"), "histogram");
  const std::map<std::string, std::string> method = {{"grpc_method", "a\"b"}};
  auto bucket = [&](const char* le) {
    std::map<std::string, std::string> labels = method;
    labels["le"] = le;
    absl::StatusOr<double> value = parsed->Value("h_bucket", labels);
    EXPECT_TRUE(value.ok()) << value.status();
    return value.value_or(-1);
  };
  EXPECT_EQ(bucket("1"), 1);
  EXPECT_EQ(bucket("2"), 1);
  EXPECT_EQ(bucket("4"), 3);
  EXPECT_EQ(bucket("+Inf"), 6);
  EXPECT_EQ(parsed->Value("h_count", method).value_or(-1), 6);
  EXPECT_EQ(parsed->Value("h_sum", method).value_or(-1), 31.5);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
