// Channel::EnableMetrics against a real Server on loopback: exact counts
// for a known mix of outcomes (OK, NOT_FOUND from the handler,
// DEADLINE_EXCEEDED, UNAVAILABLE from a dead address, an interceptor's
// rejection), histograms that agree with themselves and the counters,
// asynchronous calls, enabling while calls run, the text accepted by
// `promtool check metrics`, and a frontend serving its channel's metrics
// with its own (Server::AddMetricsSource).
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/interceptor.h"
#include "server_fixture.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc::e2e {
namespace {

using testing_support::ParsePrometheusText;
using testing_support::PromtoolCheck;
using testing_support::PromtoolPath;
using testing_support::PromtoolVerdict;
using testing_support::PrometheusSample;
using testing_support::PrometheusText;

constexpr char kEcho[] = "framerpc.e2e.TestService/Echo";

PrometheusText Parse(const Channel& channel) {
  absl::StatusOr<PrometheusText> parsed =
      ParsePrometheusText(channel.MetricsText());
  EXPECT_TRUE(parsed.ok()) << parsed.status();
  return parsed.ok() ? *std::move(parsed) : PrometheusText();
}

// The value of one series; -1 when it is missing (the test then fails).
double ValueOf(const PrometheusText& text, absl::string_view name,
               const std::map<std::string, std::string>& labels) {
  absl::StatusOr<double> value = text.Value(name, labels);
  EXPECT_TRUE(value.ok()) << name << ": " << value.status();
  return value.ok() ? *value : -1;
}

// Every histogram series of `family` in `text`: cumulative buckets that
// never decrease, a +Inf bucket equal to _count, and a sum of at least 0.
// Returns the sum of the _counts.
double CheckHistograms(const PrometheusText& text, const std::string& family) {
  double total = 0;
  for (const PrometheusSample& count : text.Find(family + "_count")) {
    std::vector<PrometheusSample> buckets =
        text.Find(family + "_bucket", count.labels);
    EXPECT_FALSE(buckets.empty()) << family;
    if (buckets.empty()) continue;
    double previous = 0;
    for (const PrometheusSample& bucket : buckets) {  // in the text's order
      EXPECT_GE(bucket.value, previous) << family << " le=" << bucket.labels.at("le");
      previous = bucket.value;
    }
    EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
    EXPECT_EQ(buckets.back().value, count.value) << family;
    EXPECT_GE(ValueOf(text, family + "_sum", count.labels), 0) << family;
    total += count.value;
  }
  return total;
}

std::unique_ptr<ClientContext> ShortContext(absl::Duration timeout) {
  auto context = std::make_unique<ClientContext>();
  context->set_timeout(timeout);
  return context;
}

// Rejects every call before it is sent.
class RejectAll final : public ClientInterceptor {
 public:
  absl::Status BeforeCall(ClientCallInfo&) override {
    return absl::PermissionDeniedError("rejected by the test's interceptor");
  }
};

TEST(ChannelMetrics, OffByDefaultTheTextIsEmpty) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  EchoRequest request;
  EchoReply reply;
  ASSERT_TRUE(channel->Call(kEcho, request, &reply, BoundedContext().get()).ok());
  EXPECT_EQ(channel->MetricsText(), "");
}

TEST(ChannelMetrics, CountsAKnownMixExactly) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  channel->EnableMetrics();
  channel->EnableMetrics();  // harmless twice

  EchoRequest ok_request;
  ok_request.set_text("hello");
  double reply_bytes = 0;
  for (int i = 0; i < 3; ++i) {
    EchoReply reply;
    ASSERT_TRUE(
        channel->Call(kEcho, ok_request, &reply, BoundedContext().get()).ok());
    reply_bytes += static_cast<double>(reply.ByteSizeLong());
  }
  EchoRequest not_found;
  not_found.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  not_found.set_fail_message("no such thing");
  for (int i = 0; i < 2; ++i) {
    EchoReply reply;
    EXPECT_EQ(channel->Call(kEcho, not_found, &reply, BoundedContext().get())
                  .code(),
              absl::StatusCode::kNotFound);
  }
  EchoRequest slow;
  slow.set_sleep_ms(1000);
  {
    EchoReply reply;
    EXPECT_EQ(channel
                  ->Call(kEcho, slow, &reply,
                         ShortContext(absl::Milliseconds(50)).get())
                  .code(),
              absl::StatusCode::kDeadlineExceeded);
  }

  const PrometheusText text = Parse(*channel);
  const std::string target = fixture.target();
  const std::map<std::string, std::string> echo = {{"grpc_method", kEcho},
                                                   {"grpc_target", target}};
  auto with_status = [&](const char* status) {
    std::map<std::string, std::string> labels = echo;
    labels["grpc_status"] = status;
    return labels;
  };
  EXPECT_EQ(ValueOf(text, "grpc_client_attempt_started_total", echo), 6);
  for (const char* family : {"grpc_client_attempt_duration_seconds",
                             "grpc_client_call_duration_seconds",
                             "grpc_client_attempt_sent_total_compressed_message_size_bytes",
                             "grpc_client_attempt_rcvd_total_compressed_message_size_bytes"}) {
    const std::string count = absl::StrCat(family, "_count");
    EXPECT_EQ(ValueOf(text, count, with_status("OK")), 3) << family;
    EXPECT_EQ(ValueOf(text, count, with_status("NOT_FOUND")), 2) << family;
    EXPECT_EQ(ValueOf(text, count, with_status("DEADLINE_EXCEEDED")), 1)
        << family;
    // Every attempt started has ended: the counts add up to the started.
    EXPECT_EQ(CheckHistograms(text, family), 6) << family;
  }
  // Sizes: the serialized request every time; the reply only when OK.
  const std::string sent =
      "grpc_client_attempt_sent_total_compressed_message_size_bytes_sum";
  const std::string rcvd =
      "grpc_client_attempt_rcvd_total_compressed_message_size_bytes_sum";
  EXPECT_EQ(ValueOf(text, sent, with_status("OK")),
            3.0 * static_cast<double>(ok_request.ByteSizeLong()));
  EXPECT_EQ(ValueOf(text, sent, with_status("NOT_FOUND")),
            2.0 * static_cast<double>(not_found.ByteSizeLong()));
  EXPECT_EQ(ValueOf(text, rcvd, with_status("OK")), reply_bytes);
  EXPECT_GT(reply_bytes, 0);
  EXPECT_EQ(ValueOf(text, rcvd, with_status("NOT_FOUND")), 0);
  // Durations: the timed-out call waited its 50 ms (and not the server's
  // second); the quick ones took well under a second each.
  const double timed_out = ValueOf(
      text, "grpc_client_call_duration_seconds_sum",
      with_status("DEADLINE_EXCEEDED"));
  EXPECT_GE(timed_out, 0.05);
  EXPECT_LT(timed_out, 0.9);
  EXPECT_EQ(ValueOf(text, "grpc_client_call_duration_seconds_bucket",
                    [&] {
                      auto labels = with_status("DEADLINE_EXCEEDED");
                      labels["le"] = "0.04";
                      return labels;
                    }()),
            0);
  const double ok_seconds = ValueOf(
      text, "grpc_client_call_duration_seconds_sum", with_status("OK"));
  EXPECT_GT(ok_seconds, 0);
  EXPECT_LT(ok_seconds, 3);
  EXPECT_LE(ValueOf(text, "grpc_client_attempt_duration_seconds_sum",
                    with_status("OK")),
            ok_seconds);
  EXPECT_EQ(text.types.at("grpc_client_attempt_started_total"), "counter");
  EXPECT_EQ(text.types.at("grpc_client_call_duration_seconds"), "histogram");
}

TEST(ChannelMetrics, CallsThatNeverReachAConnectionCountAsCallsOnly) {
  const int dead_port = DeadPort();
  ASSERT_GT(dead_port, 0);
  const std::string dead_target = absl::StrCat("127.0.0.1:", dead_port);
  absl::StatusOr<std::shared_ptr<Channel>> dead = Channel::Create(dead_target);
  ASSERT_TRUE(dead.ok()) << dead.status();
  (*dead)->EnableMetrics();
  EchoRequest request;
  for (int i = 0; i < 2; ++i) {
    EchoReply reply;
    EXPECT_EQ((*dead)->Call(kEcho, request, &reply, BoundedContext().get())
                  .code(),
              absl::StatusCode::kUnavailable);
  }
  PrometheusText text = Parse(**dead);
  const std::map<std::string, std::string> dead_echo = {
      {"grpc_method", kEcho}, {"grpc_target", dead_target}};
  EXPECT_EQ(ValueOf(text, "grpc_client_attempt_started_total", dead_echo), 0);
  EXPECT_TRUE(text.Find("grpc_client_attempt_duration_seconds_count").empty());
  auto unavailable = dead_echo;
  unavailable["grpc_status"] = "UNAVAILABLE";
  EXPECT_EQ(ValueOf(text, "grpc_client_call_duration_seconds_count",
                    unavailable),
            2);

  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  ChannelOptions options;
  options.interceptors.push_back(std::make_shared<RejectAll>());
  std::shared_ptr<Channel> rejecting = fixture.NewChannel(options);
  rejecting->EnableMetrics();
  EchoReply reply;
  EXPECT_EQ(rejecting->Call(kEcho, request, &reply, BoundedContext().get())
                .code(),
            absl::StatusCode::kPermissionDenied);
  text = Parse(*rejecting);
  auto denied = std::map<std::string, std::string>{
      {"grpc_method", kEcho},
      {"grpc_target", fixture.target()},
      {"grpc_status", "PERMISSION_DENIED"}};
  EXPECT_EQ(ValueOf(text, "grpc_client_call_duration_seconds_count", denied),
            1);
  EXPECT_TRUE(text.Find("grpc_client_attempt_duration_seconds_count").empty());
}

// Waits for a number of done callbacks, with std::mutex (Debian's Abseil
// is not built for ThreadSanitizer).
class DoneCounter {
 public:
  void Add(absl::StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    ++codes_[code];
    cv_.notify_all();
  }
  bool WaitFor(int total, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoSeconds(timeout), [&] {
      int seen = 0;
      for (const auto& entry : codes_) seen += entry.second;
      return seen >= total;
    });
  }
  int count(absl::StatusCode code) {
    std::lock_guard<std::mutex> lock(mu_);
    return codes_[code];
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<absl::StatusCode, int> codes_;
};

TEST(ChannelMetrics, CountsAsynchronousCalls) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  channel->EnableMetrics();
  constexpr int kOk = 4;
  EchoRequest ok_request;
  ok_request.set_text("async");
  EchoRequest not_found;
  not_found.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  std::vector<EchoReply> replies(kOk + 1);
  std::vector<std::unique_ptr<ClientContext>> contexts;
  DoneCounter done;
  for (int i = 0; i <= kOk; ++i) {
    contexts.push_back(BoundedContext());
    channel->Call(kEcho, i < kOk ? ok_request : not_found, &replies[i],
                  contexts.back().get(),
                  [&done](absl::Status status) { done.Add(status.code()); });
  }
  ASSERT_TRUE(done.WaitFor(kOk + 1, absl::Seconds(20)));
  EXPECT_EQ(done.count(absl::StatusCode::kOk), kOk);
  const PrometheusText text = Parse(*channel);
  std::map<std::string, std::string> labels = {
      {"grpc_method", kEcho}, {"grpc_target", fixture.target()}};
  EXPECT_EQ(ValueOf(text, "grpc_client_attempt_started_total", labels),
            kOk + 1);
  labels["grpc_status"] = "OK";
  EXPECT_EQ(ValueOf(text, "grpc_client_call_duration_seconds_count", labels),
            kOk);
  EXPECT_EQ(ValueOf(text, "grpc_client_attempt_duration_seconds_count", labels),
            kOk);
  labels["grpc_status"] = "NOT_FOUND";
  EXPECT_EQ(ValueOf(text, "grpc_client_call_duration_seconds_count", labels),
            1);
  EXPECT_EQ(CheckHistograms(text, "grpc_client_attempt_duration_seconds"),
            kOk + 1);
}

TEST(ChannelMetrics, EnablingWhileCallsRunCountsTheCallsAfterIt) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  constexpr int kThreads = 4;
  constexpr int kCallsEach = 50;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      EchoRequest request;
      for (int i = 0; i < kCallsEach; ++i) {
        EchoReply reply;
        if (!channel->Call(kEcho, request, &reply, BoundedContext().get())
                 .ok()) {
          ++failures;
        }
      }
    });
  }
  channel->EnableMetrics();
  const std::string during = channel->MetricsText();  // read while calls run
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_TRUE(ParsePrometheusText(during).ok());
  PrometheusText text = Parse(*channel);
  const std::map<std::string, std::string> labels = {
      {"grpc_method", kEcho}, {"grpc_target", fixture.target()}};
  const double started =
      ValueOf(text, "grpc_client_attempt_started_total", labels);
  EXPECT_LE(started, kThreads * kCallsEach);
  // Every call counted started has finished, and so has every call
  // counted (a call running at the switch is counted whole or not at all).
  EXPECT_EQ(CheckHistograms(text, "grpc_client_attempt_duration_seconds"),
            started);
  EXPECT_EQ(CheckHistograms(text, "grpc_client_call_duration_seconds"),
            started);
  EchoRequest request;
  for (int i = 0; i < 10; ++i) {
    EchoReply reply;
    ASSERT_TRUE(
        channel->Call(kEcho, request, &reply, BoundedContext().get()).ok());
  }
  text = Parse(*channel);
  EXPECT_EQ(ValueOf(text, "grpc_client_attempt_started_total", labels),
            started + 10);
}

TEST(ChannelMetrics, PromtoolAcceptsTheText) {
  const std::string promtool = PromtoolPath();
  if (promtool.empty()) {
    GTEST_SKIP() << "promtool is not installed (Debian package prometheus; "
                    "scripts/install_deps.sh installs it)";
  }
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  channel->EnableMetrics();
  // Before any call: the families' headers alone.
  PromtoolVerdict verdict = PromtoolCheck(promtool, channel->MetricsText());
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
  EXPECT_EQ(verdict.output, "");
  EchoRequest request;
  EchoReply reply;
  ASSERT_TRUE(channel->Call(kEcho, request, &reply, BoundedContext().get()).ok());
  request.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_FALSE(channel->Call(kEcho, request, &reply, BoundedContext().get()).ok());
  const std::string text = channel->MetricsText();
  verdict = PromtoolCheck(promtool, text);
  EXPECT_EQ(verdict.exit_code, 0) << verdict.output << "\n" << text;
  // promtool prints lint problems and still exits 0 for some: none wanted.
  EXPECT_EQ(verdict.output, "");
  EXPECT_NE(text.find("grpc_status=\"NOT_FOUND\""), std::string::npos);
}

TEST(ChannelMetrics, AFrontendServesItsChannelsMetricsWithItsOwn) {
  ServerFixture backend("127.0.0.1:0");
  ASSERT_TRUE(backend.status().ok()) << backend.status();
  std::shared_ptr<Channel> channel = backend.NewChannel();
  channel->EnableMetrics();
  TestServiceImpl service;
  Server frontend;
  ASSERT_TRUE(frontend.AddService(&service).ok());
  ASSERT_TRUE(frontend.EnableMetrics().ok());
  EXPECT_EQ(frontend.AddMetricsSource(nullptr).code(),
            absl::StatusCode::kInvalidArgument);
  ASSERT_TRUE(
      frontend.AddMetricsSource([channel] { return channel->MetricsText(); })
          .ok());
  ASSERT_TRUE(frontend.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(frontend.Start().ok());
  EXPECT_EQ(frontend.AddMetricsSource([] { return std::string(); }).code(),
            absl::StatusCode::kFailedPrecondition);
  EchoRequest request;
  EchoReply reply;
  ASSERT_TRUE(channel->Call(kEcho, request, &reply, BoundedContext().get()).ok());

  const std::string text = frontend.MetricsText();
  absl::StatusOr<PrometheusText> parsed = ParsePrometheusText(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(ValueOf(*parsed, "grpc_client_attempt_started_total",
                    {{"grpc_method", kEcho}, {"grpc_target", backend.target()}}),
            1);
  // The frontend's own, before: its method, not called.
  EXPECT_EQ(ValueOf(*parsed, "grpc_server_call_started_total",
                    {{"grpc_method", kEcho}}),
            0);
  EXPECT_LT(text.find("grpc_server_call_started_total"),
            text.find("grpc_client_attempt_started_total"));
  const std::string promtool = PromtoolPath();
  if (!promtool.empty()) {
    const PromtoolVerdict verdict = PromtoolCheck(promtool, text);
    EXPECT_EQ(verdict.exit_code, 0) << verdict.output;
    EXPECT_EQ(verdict.output, "");
  }
  frontend.Shutdown(absl::Seconds(5));
  frontend.Wait();
}

}  // namespace
}  // namespace framerpc::e2e
