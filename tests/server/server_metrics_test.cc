// Server::EnableMetrics end to end, through a RawClient: a known mix of
// calls and codes counted exactly (unknown methods as "other"), calls the
// handler never saw (an interceptor's rejection, a deadline passed in the
// queue) counted too, consistent histograms, exact totals from 8 threads,
// the connection counts, and the framerpc.admin service's answers.
#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/interceptor.h"
#include "gtest/gtest.h"
#include "proto/admin.pb.h"
#include "tests/server/server_harness.h"
#include "tests/support/prometheus_scrape.h"

namespace framerpc {
namespace test {
namespace {

using testing_support::ParsePrometheusText;
using testing_support::PrometheusSample;
using testing_support::PrometheusText;
using Labels = std::map<std::string, std::string>;

constexpr char kDuration[] = "grpc_server_call_duration_seconds";
constexpr char kReceived[] =
    "grpc_server_call_rcvd_total_compressed_message_size_bytes";
constexpr char kSent[] =
    "grpc_server_call_sent_total_compressed_message_size_bytes";

PrometheusText Scrape(const Server& server) {
  const std::string text = server.MetricsText();
  absl::StatusOr<PrometheusText> parsed = ParsePrometheusText(text);
  EXPECT_TRUE(parsed.ok()) << parsed.status() << "\n" << text;
  return parsed.value_or(PrometheusText());
}

double ValueOr(const PrometheusText& text, absl::string_view name,
               const Labels& labels, double fallback = -1) {
  absl::StatusOr<double> value = text.Value(name, labels);
  return value.ok() ? *value : fallback;
}

double Started(const PrometheusText& text, const std::string& method) {
  return ValueOr(text, "grpc_server_call_started_total",
                 {{"grpc_method", method}});
}

double Finished(const PrometheusText& text, const std::string& method,
                const std::string& code) {
  return ValueOr(text, absl::StrCat(kDuration, "_count"),
                 {{"grpc_method", method}, {"grpc_status", code}}, 0);
}

// Every histogram series of `family`: buckets never decrease, +Inf equals
// _count, and the sum lies within [0, count * max_value].
void ExpectHistogramsConsistent(const PrometheusText& text,
                                const std::string& family, double max_value) {
  for (const PrometheusSample& count :
       text.Find(absl::StrCat(family, "_count"))) {
    std::vector<PrometheusSample> buckets =
        text.Find(absl::StrCat(family, "_bucket"), count.labels);
    ASSERT_FALSE(buckets.empty()) << family;
    double previous = 0;
    for (const PrometheusSample& bucket : buckets) {
      EXPECT_GE(bucket.value, previous) << family << " le=" << bucket.labels.at("le");
      previous = bucket.value;
    }
    EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
    EXPECT_EQ(buckets.back().value, count.value) << family;
    const double sum = ValueOr(text, absl::StrCat(family, "_sum"), count.labels);
    EXPECT_GE(sum, 0) << family;
    EXPECT_LE(sum, count.value * max_value) << family;
  }
}

absl::StatusOr<RawResponse> CallFail(RawClient& client, uint64_t id,
                                     absl::StatusCode code) {
  TestRequest request;
  request.set_code(static_cast<int>(code));
  request.set_message("as asked");
  return CallOnce(client, id, TestService::Method("Fail"), request);
}

TEST(ServerMetrics, AKnownMixOfCallsIsCountedExactly) {
  const absl::Time begun = absl::Now();
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  uint64_t id = 1;
  const TestRequest echo = MakeRequest("seven bytes or so");
  double echo_sent = 0;
  for (int i = 0; i < 7; ++i) {
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, id++, TestService::Method("Echo"), echo);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kOk);
    echo_sent += static_cast<double>(response->payload.size());
  }
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RawResponse> response =
        CallFail(*client, id++, absl::StatusCode::kNotFound);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kNotFound);
  }
  for (const char* unknown :
       {"no.Such/Method", "framerpc.test.TestService/NoSuchMethod"}) {
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, id++, unknown, echo);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kUnimplemented);
  }
  absl::StatusOr<RawResponse> late =
      CallFail(*client, id++, absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(late.ok()) << late.status();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - begun);

  const PrometheusText text = Scrape(harness.server());
  const std::string echo_method = TestService::Method("Echo");
  const std::string fail_method = TestService::Method("Fail");
  EXPECT_EQ(Started(text, echo_method), 7);
  EXPECT_EQ(Started(text, fail_method), 4);
  EXPECT_EQ(Started(text, "other"), 2);
  EXPECT_EQ(Started(text, TestService::Method("Count")), 0);  // listed, 0
  EXPECT_EQ(Finished(text, echo_method, "OK"), 7);
  EXPECT_EQ(Finished(text, fail_method, "NOT_FOUND"), 3);
  EXPECT_EQ(Finished(text, fail_method, "DEADLINE_EXCEEDED"), 1);
  EXPECT_EQ(Finished(text, "other", "UNIMPLEMENTED"), 2);
  // Nothing else finished: 13 series counts in all.
  double all_finished = 0;
  for (const PrometheusSample& s : text.Find(absl::StrCat(kDuration, "_count"))) {
    all_finished += s.value;
  }
  EXPECT_EQ(all_finished, 13);
  // Sizes: the serialized request each time, the replies as sent.
  const Labels echo_ok = {{"grpc_method", echo_method}, {"grpc_status", "OK"}};
  EXPECT_EQ(ValueOr(text, absl::StrCat(kReceived, "_sum"), echo_ok),
            7.0 * static_cast<double>(echo.ByteSizeLong()));
  EXPECT_EQ(ValueOr(text, absl::StrCat(kSent, "_sum"), echo_ok), echo_sent);
  EXPECT_EQ(ValueOr(text, absl::StrCat(kSent, "_sum"),
                    {{"grpc_method", fail_method},
                     {"grpc_status", "NOT_FOUND"}}),
            0);
  ExpectHistogramsConsistent(text, kDuration, elapsed);
  ExpectHistogramsConsistent(text, kReceived, 1024);
  ExpectHistogramsConsistent(text, kSent, 1024);
  EXPECT_EQ(text.types.at(kDuration), "histogram");
  EXPECT_EQ(text.types.at("grpc_server_call_started_total"), "counter");
}

TEST(ServerMetrics, WithoutEnableMetricsNothingIsCounted) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x")).ok());
  EXPECT_EQ(harness.server().MetricsText(), "");
  EXPECT_EQ(harness.server().metrics_http_port(), 0);
  // Counting cannot begin midway.
  EXPECT_EQ(harness.server().EnableMetrics().code(),
            absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<RawResponse> admin =
      CallOnce(*client, 2, "framerpc.admin.Admin/Stats", admin::StatsRequest());
  ASSERT_TRUE(admin.ok()) << admin.status();
  EXPECT_EQ(admin->code(), absl::StatusCode::kUnimplemented);
}

TEST(ServerMetrics, EnableMetricsTwiceIsHarmless) {
  Server server;
  EXPECT_TRUE(server.EnableMetrics().ok());
  EXPECT_TRUE(server.EnableMetrics().ok());
}

// Rejects every call before the handler.
class Refuser final : public ServerInterceptor {
 public:
  absl::Status BeforeCall(ServerContext& /*context*/) override {
    return absl::PermissionDeniedError("refused by the test");
  }
};

TEST(ServerMetrics, CallsRejectedByAnInterceptorAreCounted) {
  ServerOptions options;
  options.interceptors = {std::make_shared<Refuser>()};
  ServerHarness harness(options);
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->code(), absl::StatusCode::kPermissionDenied);
  const PrometheusText text = Scrape(harness.server());
  EXPECT_EQ(Started(text, TestService::Method("Echo")), 1);
  EXPECT_EQ(Finished(text, TestService::Method("Echo"), "PERMISSION_DENIED"), 1);
}

TEST(ServerMetrics, ACallWhoseDeadlinePassedInTheQueueIsCounted) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, 1, 10, "held");
  ASSERT_TRUE(held.ok()) << held.status();
  // 1 us: long past when a thread is free to start it.
  ASSERT_TRUE(client
                  ->Send(1, TestService::Method("Echo"), MakeRequest("late"),
                         /*timeout_us=*/1)
                  .ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 2).ok());  // call 1 is queued
  harness.service().gate().Open();
  bool saw_late = false;
  for (int i = 0; i < *held + 1; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    if ((*response)->header.call_id() == 1) {
      EXPECT_EQ((*response)->code(), absl::StatusCode::kDeadlineExceeded);
      saw_late = true;
    }
  }
  ASSERT_TRUE(saw_late);
  const PrometheusText text = Scrape(harness.server());
  EXPECT_EQ(Finished(text, TestService::Method("Echo"), "DEADLINE_EXCEEDED"),
            1);
  EXPECT_EQ(Finished(text, TestService::Method("Block"), "OK"), *held);
  // RoundTripThroughTheLoop's probe, an unknown method.
  EXPECT_EQ(Finished(text, "other", "UNIMPLEMENTED"), 1);
}

TEST(ServerMetrics, MadeUpMethodNamesAllCountAsOther) {
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  for (uint64_t id = 1; id <= 50; ++id) {
    ASSERT_TRUE(CallOnce(*client, id, absl::StrCat("made.Up", id, "/M"),
                         MakeRequest(""))
                    .ok());
  }
  const PrometheusText text = Scrape(harness.server());
  EXPECT_EQ(Started(text, "other"), 50);
  for (const PrometheusSample& sample :
       text.Find("grpc_server_call_started_total")) {
    EXPECT_EQ(sample.labels.at("grpc_method").rfind("made.Up", 0),
              std::string::npos);
  }
}

TEST(ServerMetrics, EightThreadsCountEveryCall) {
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  ASSERT_TRUE(harness.Start().ok());
  constexpr int kThreads = 8;
  constexpr int kCallsEach = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      absl::StatusOr<RawClient> client = harness.Connect();
      if (!client.ok()) {
        failures += kCallsEach;
        return;
      }
      for (uint64_t id = 1; id <= kCallsEach; ++id) {
        absl::StatusOr<RawResponse> response = CallOnce(
            *client, id, TestService::Method("Echo"), MakeRequest("c"));
        if (!response.ok() || response->code() != absl::StatusCode::kOk) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures.load(), 0);
  const PrometheusText text = Scrape(harness.server());
  EXPECT_EQ(Started(text, TestService::Method("Echo")), kThreads * kCallsEach);
  EXPECT_EQ(Finished(text, TestService::Method("Echo"), "OK"),
            kThreads * kCallsEach);
  EXPECT_EQ(ValueOr(text, "framerpc_server_connections_accepted_total", {}),
            kThreads);
}

// Polls Scrape until the open-connections gauge reads `expected` (the
// loop closes a connection after its peer's FIN arrives), for at most 10 s.
bool WaitForOpenConnections(const Server& server, double expected) {
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (absl::Now() < give_up) {
    if (ValueOr(Scrape(server), "framerpc_server_connections_open", {}) ==
        expected) {
      return true;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return false;
}

TEST(ServerMetrics, ConnectionsAreCountedAndListedByTheAdminService) {
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> first = harness.StartAndConnect();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<RawClient> second = harness.Connect();
  ASSERT_TRUE(second.ok()) << second.status();
  // A call on each: both adopted by their loops by the time it returns.
  ASSERT_TRUE(CallOnce(*second, 1, TestService::Method("Echo"),
                       MakeRequest("x"))
                  .ok());
  absl::StatusOr<RawResponse> listed = CallOnce(
      *first, 1, "framerpc.admin.Admin/Connections", admin::ConnectionsRequest());
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->code(), absl::StatusCode::kOk) << listed->header.message();
  admin::ConnectionsReply connections;
  ASSERT_TRUE(connections.ParseFromString(listed->payload));
  ASSERT_EQ(connections.connections_size(), 2);
  // Listed by id, which a loop gives when it adopts the connection: not
  // necessarily in the order they connected.
  std::set<std::string> peers;
  for (const admin::Connection& connection : connections.connections()) {
    peers.insert(connection.peer());
    EXPECT_GE(connection.age_seconds(), 0);
    EXPECT_LT(connection.age_seconds(), 60);
  }
  EXPECT_EQ(peers, (std::set<std::string>{first->LocalAddress(),
                                          second->LocalAddress()}));

  PrometheusText text = Scrape(harness.server());
  EXPECT_EQ(ValueOr(text, "framerpc_server_connections_open", {}), 2);
  EXPECT_EQ(ValueOr(text, "framerpc_server_connections_accepted_total", {}), 2);
  second = absl::UnavailableError("closed by the test");  // closes it
  EXPECT_TRUE(WaitForOpenConnections(harness.server(), 1));
  EXPECT_EQ(ValueOr(Scrape(harness.server()),
                    "framerpc_server_connections_accepted_total", {}),
            2);
}

TEST(ServerMetrics, AdminStatsAnswersStructuredAndPrometheusText) {
  ServerHarness harness;
  ASSERT_TRUE(harness.server().EnableMetrics().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  for (uint64_t id = 1; id <= 2; ++id) {
    ASSERT_TRUE(CallFail(*client, id, absl::StatusCode::kNotFound).ok());
  }
  absl::StatusOr<RawResponse> answer =
      CallOnce(*client, 3, "framerpc.admin.Admin/Stats", admin::StatsRequest());
  ASSERT_TRUE(answer.ok()) << answer.status();
  ASSERT_EQ(answer->code(), absl::StatusCode::kOk) << answer->header.message();
  admin::StatsReply stats;
  ASSERT_TRUE(stats.ParseFromString(answer->payload));
  EXPECT_EQ(stats.latency_bounds_seconds_size(), 41);
  EXPECT_EQ(stats.size_bounds_bytes_size(), 14);
  EXPECT_EQ(stats.methods(stats.methods_size() - 1).method(), "other");
  const admin::MethodStats* fail = nullptr;
  for (const admin::MethodStats& method : stats.methods()) {
    if (method.method() == TestService::Method("Fail")) fail = &method;
  }
  ASSERT_NE(fail, nullptr);
  EXPECT_EQ(fail->started(), 2u);
  ASSERT_EQ(fail->statuses_size(), 1);
  EXPECT_EQ(fail->statuses(0).code(), "NOT_FOUND");
  EXPECT_EQ(fail->statuses(0).latency_seconds().count(), 2u);
  EXPECT_EQ(fail->statuses(0).latency_seconds().counts_size(), 42);
  EXPECT_EQ(stats.connections_open(), 1u);
  absl::StatusOr<PrometheusText> text =
      ParsePrometheusText(stats.prometheus_text());
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_EQ(Started(*text, TestService::Method("Fail")), 2);
  // The Stats call itself is under way while it answers: started, not
  // finished.
  EXPECT_EQ(Started(*text, "framerpc.admin.Admin/Stats"), 1);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
