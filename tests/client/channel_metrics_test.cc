// ChannelMetrics on its own: a method's counters made once and found again
// (from many threads), the names past kMaxMethods counted as "other", and
// the text's labels (target as given, escaped). Then a Channel against the
// scripted server: a call the server did not process and the channel sent
// again is one call of two attempts, synchronous or asynchronous.
#include "client/channel_metrics.h"

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc {
namespace internal {
namespace {

using testing_support::Event;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::NotProcessedOnceThenEcho;
using testing_support::ParsePrometheusText;
using testing_support::PrometheusText;
using testing_support::Say;
using testing_support::StartServer;

TEST(ChannelMetrics, AMethodHasOneSetOfCountersWhoeverAsks) {
  ChannelMetrics metrics("127.0.0.1:1");
  constexpr int kThreads = 8;
  std::vector<MethodMetrics*> seen(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&metrics, &seen, t] {
      for (int i = 0; i < 100; ++i) {
        metrics.ForMethod(absl::StrCat("p.S/M", i % 10));
      }
      seen[t] = metrics.ForMethod("p.S/M0");
      seen[t]->calls.RecordLatency(absl::StatusCode::kOk,
                                   absl::Microseconds(5));
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (MethodMetrics* method : seen) EXPECT_EQ(method, seen[0]);
  EXPECT_EQ(seen[0]->name, "p.S/M0");
  EXPECT_EQ(seen[0]->calls.Read().by_status.at(0).latency_seconds.count,
            uint64_t{kThreads});
}

TEST(ChannelMetrics, NamesPastTheLimitCountAsOther) {
  ChannelMetrics metrics("dns:///svc:443");
  std::set<MethodMetrics*> distinct;
  for (size_t i = 0; i < ChannelMetrics::kMaxMethods; ++i) {
    distinct.insert(metrics.ForMethod(absl::StrCat("p.S/M", i)));
  }
  EXPECT_EQ(distinct.size(), ChannelMetrics::kMaxMethods);
  MethodMetrics* const other = metrics.ForMethod("p.S/OneTooMany");
  EXPECT_EQ(other->name, "other");
  EXPECT_EQ(metrics.ForMethod("p.S/AnotherOne"), other);
  // The names counted before the limit keep their own.
  EXPECT_EQ(metrics.ForMethod("p.S/M0")->name, "p.S/M0");
  other->attempts.RecordStart();
  absl::StatusOr<PrometheusText> text =
      ParsePrometheusText(metrics.PrometheusText());
  ASSERT_TRUE(text.ok()) << text.status();
  absl::StatusOr<double> started =
      text->Value("grpc_client_attempt_started_total",
                  {{"grpc_method", "other"}, {"grpc_target", "dns:///svc:443"}});
  ASSERT_TRUE(started.ok()) << started.status();
  EXPECT_EQ(*started, 1);
}

TEST(ChannelMetrics, TheTargetLabelIsEscaped) {
  ChannelMetrics metrics("unix:/tmp/a\"b\\c");
  metrics.ForMethod("p.S/M")->attempts.RecordStart();
  const std::string text = metrics.PrometheusText();
  EXPECT_NE(text.find("grpc_target=\"unix:/tmp/a\\\"b\\\\c\""),
            std::string::npos)
      << text;
  absl::StatusOr<PrometheusText> parsed = ParsePrometheusText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->samples.at(0).labels.at("grpc_target"),
            "unix:/tmp/a\"b\\c");
}

// The counts of a channel that made one call of "again" to `address` and
// had it turned away once: two attempts, one call.
void ExpectOneCallOfTwoAttempts(const Channel& channel,
                                const std::string& address) {
  absl::StatusOr<PrometheusText> text =
      ParsePrometheusText(channel.MetricsText());
  ASSERT_TRUE(text.ok()) << text.status();
  std::map<std::string, std::string> labels = {{"grpc_method", kSay},
                                               {"grpc_target", address}};
  auto value = [&](const char* name) {
    absl::StatusOr<double> found = text->Value(name, labels);
    EXPECT_TRUE(found.ok()) << name << " " << found.status();
    return found.ok() ? *found : -1;
  };
  EXPECT_EQ(value("grpc_client_attempt_started_total"), 2);
  labels["grpc_status"] = "UNAVAILABLE";
  EXPECT_EQ(value("grpc_client_attempt_duration_seconds_count"), 1);
  EXPECT_TRUE(text->Find("grpc_client_call_duration_seconds_count", labels)
                  .empty());
  labels["grpc_status"] = "OK";
  EXPECT_EQ(value("grpc_client_attempt_duration_seconds_count"), 1);
  EXPECT_EQ(value("grpc_client_call_duration_seconds_count"), 1);
  // The request went out twice; the reply came once.
  test::EchoRequest request;
  request.set_text("again");
  EXPECT_EQ(value("grpc_client_attempt_sent_total_compressed_message_size_"
                  "bytes_sum"),
            static_cast<double>(request.ByteSizeLong()));
}

// A server whose first connection turns its first call away, and a
// channel to it counting its calls.
class ChannelMetricsResend : public ::testing::Test {
 protected:
  ChannelMetricsResend()
      : server_(StartServer(NotProcessedOnceThenEcho(&requests_))),
        channel_(MakeChannel(server_->address())) {
    channel_->EnableMetrics();
    context_.set_timeout(absl::Seconds(10));
  }

  std::atomic<int> requests_{0};
  std::unique_ptr<testing_support::FakeServer> server_;
  std::shared_ptr<Channel> channel_;
  ClientContext context_;
};

TEST_F(ChannelMetricsResend, EachSendIsAnAttemptOfOneCall) {
  absl::StatusOr<test::EchoReply> reply = Say(*channel_, "again", &context_);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(requests_.load(), 2);
  ExpectOneCallOfTwoAttempts(*channel_, server_->address());
}

TEST_F(ChannelMetricsResend, AnAsynchronousCallCountsItsAttemptsToo) {
  test::EchoRequest request;
  request.set_text("again");
  test::EchoReply reply;
  Event done;
  absl::StatusCode code = absl::StatusCode::kUnknown;
  channel_->Call(kSay, request, &reply, &context_,
                 [&done, &code](absl::Status status) {
                   code = status.code();
                   done.Notify();
                 });
  ASSERT_TRUE(done.WaitFor());
  EXPECT_EQ(code, absl::StatusCode::kOk);
  EXPECT_EQ(requests_.load(), 2);
  ExpectOneCallOfTwoAttempts(*channel_, server_->address());
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
