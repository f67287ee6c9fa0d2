// ServerOptions::interceptors end to end: the order of BeforeCall and
// AfterCall, a rejection that the handler never sees, metadata added for
// the handler and the caller, the final status in AfterCall, which calls
// interceptors do not see, and inline handlers; driven by a RawClient.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/interceptor.h"
#include "framerpc/server_options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/server_harness.h"
#include "tests/support/interceptor_journal.h"

namespace framerpc {
namespace test {
namespace {

using testing_support::Journal;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Writes "<name> before <method>" and "<name> after <code>"
// to the journal, keeps each summary, and answers BeforeCall with
// `verdict`.
class Recorder final : public ServerInterceptor {
 public:
  Recorder(std::string name, Journal* journal,
           absl::Status verdict = absl::OkStatus())
      : name_(std::move(name)), journal_(journal), verdict_(verdict) {}

  absl::Status BeforeCall(ServerContext& context) override {
    journal_->Add(absl::StrCat(name_, " before ", context.method()));
    return verdict_;
  }
  void AfterCall(const ServerContext& context,
                 const CallSummary& summary) override {
    (void)context;
    journal_->Add(absl::StrCat(name_, " after ",
                               absl::StatusCodeToString(summary.status.code())));
    journal_->Keep(summary);
  }

 private:
  const std::string name_;
  Journal* const journal_;
  const absl::Status verdict_;
};

ServerOptions WithInterceptors(
    std::vector<std::shared_ptr<ServerInterceptor>> interceptors) {
  ServerOptions options;
  options.interceptors = std::move(interceptors);
  return options;
}

TEST(ServerInterceptors, BeforeCallsRunInOrderAndAfterCallsInReverse) {
  Journal journal;
  ServerHarness harness(
      WithInterceptors({std::make_shared<Recorder>("a", &journal),
                        std::make_shared<Recorder>("b", &journal)}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const TestRequest request = MakeRequest("hello");
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kOk);
  const std::string echo = TestService::Method("Echo");
  EXPECT_THAT(journal.entries(),
              ElementsAre("a before " + echo, "b before " + echo, "b after OK",
                          "a after OK"));
  // The sizes are those of the serialized messages.
  for (const CallSummary& summary : journal.summaries()) {
    EXPECT_TRUE(summary.status.ok()) << summary.status;
    EXPECT_EQ(summary.request_bytes, request.ByteSizeLong());
    EXPECT_EQ(summary.response_bytes, response->payload.size());
    EXPECT_GT(summary.duration, absl::ZeroDuration());
    EXPECT_LT(summary.duration, kWait);
  }
}

TEST(ServerInterceptors, RejectionAnswersBeforeTheHandlerAndLaterInterceptors) {
  Journal journal;
  ServerHarness harness(WithInterceptors(
      {std::make_shared<Recorder>("a", &journal),
       std::make_shared<Recorder>(
           "b", &journal, absl::UnauthenticatedError("no token, no entry")),
       std::make_shared<Recorder>("c", &journal)}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Count"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  // The interceptor's status, code and message intact; the call was
  // processed (by the interceptor), so it is not one to send again.
  EXPECT_EQ(response->code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(response->header.message(), "no token, no entry");
  EXPECT_FALSE(response->header.not_processed());
  EXPECT_EQ(harness.service().count(), 0);
  const std::string count = TestService::Method("Count");
  EXPECT_THAT(journal.entries(),
              ElementsAre("a before " + count, "b before " + count,
                          "b after UNAUTHENTICATED", "a after UNAUTHENTICATED"));
  for (const CallSummary& summary : journal.summaries()) {
    EXPECT_EQ(summary.status.message(), "no token, no entry");
    EXPECT_EQ(summary.response_bytes, 0u);
  }
}

// Adds request metadata over what the caller sent, and response metadata.
class Stamper final : public ServerInterceptor {
 public:
  absl::Status BeforeCall(ServerContext& context) override {
    context.AddRequestMetadata("x-user", "alice");
    context.AddResponseMetadata("x-stamped", "yes");
    return absl::OkStatus();
  }
};

TEST(ServerInterceptors, MetadataAddedReachesTheHandlerAndTheCaller) {
  ServerHarness harness(WithInterceptors({std::make_shared<Stamper>()}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // Inspect echoes each request key back as "echo-<key>".
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Inspect"), MakeRequest("x"),
               /*timeout_us=*/0, {{"x-user", "mallory"}, {"k", "v"}});
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->code(), absl::StatusCode::kOk);
  const auto& metadata = response->header.metadata();
  ASSERT_TRUE(metadata.contains("echo-x-user"));
  EXPECT_EQ(metadata.at("echo-x-user"), "alice");  // replaced, not the caller's
  EXPECT_EQ(metadata.at("echo-k"), "v");
  EXPECT_EQ(metadata.at("x-stamped"), "yes");
}

TEST(ServerInterceptors, ResponseMetadataOfARejectionIsSent) {
  class StampAndReject final : public ServerInterceptor {
    absl::Status BeforeCall(ServerContext& context) override {
      context.AddResponseMetadata("www-authenticate", "Bearer");
      return absl::PermissionDeniedError("not yours");
    }
  };
  ServerHarness harness(WithInterceptors({std::make_shared<StampAndReject>()}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(response->header.metadata().at("www-authenticate"), "Bearer");
}

TEST(ServerInterceptors, AfterCallSeesTheFinalStatusOfTheHandler) {
  Journal journal;
  ServerHarness harness(
      WithInterceptors({std::make_shared<Recorder>("a", &journal)}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  TestRequest fail;
  fail.set_code(static_cast<int>(absl::StatusCode::kNotFound));
  fail.set_message("no such key");
  ASSERT_TRUE(CallOnce(*client, 1, TestService::Method("Fail"), fail).ok());
  ASSERT_TRUE(
      CallOnce(*client, 2, TestService::Method("Throw"), MakeRequest("boom"))
          .ok());
  EXPECT_THAT(journal.entries(),
              ElementsAre(HasSubstr("before"), "a after NOT_FOUND",
                          HasSubstr("before"), "a after INTERNAL"));
  const std::vector<CallSummary> summaries = journal.summaries();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[0].status.message(), "no such key");
  EXPECT_THAT(std::string(summaries[1].status.message()), HasSubstr("boom"));
}

TEST(ServerInterceptors, AThrowingBeforeCallIsAnsweredInternalNamingIt) {
  class Thrower final : public ServerInterceptor {
    absl::Status BeforeCall(ServerContext&) override {
      throw std::runtime_error("interceptor bug");
    }
  };
  Journal journal;
  ServerHarness harness(WithInterceptors(
      {std::make_shared<Recorder>("a", &journal), std::make_shared<Thrower>()}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Count"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kInternal);
  EXPECT_THAT(response->header.message(),
              HasSubstr("interceptor 2's BeforeCall"));
  EXPECT_THAT(response->header.message(), HasSubstr("interceptor bug"));
  EXPECT_EQ(harness.service().count(), 0);
  EXPECT_THAT(journal.entries(), ElementsAre(HasSubstr("a before"),
                                             "a after INTERNAL"));
}

TEST(ServerInterceptors, CallsAnsweredWithoutAHandlerAreNotSeen) {
  Journal journal;
  ServerHarness harness(
      WithInterceptors({std::make_shared<Recorder>("a", &journal)}));
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> unknown =
      CallOnce(*client, 1, "framerpc.test.TestService/Nope", MakeRequest("x"));
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->code(), absl::StatusCode::kUnimplemented);
  EXPECT_TRUE(journal.entries().empty());
}

TEST(ServerInterceptors, InlineHandlersPassThemToo) {
  Journal journal;
  ServiceOptions service_options;
  service_options.inline_handlers = true;
  ServerHarness harness(
      WithInterceptors({std::make_shared<Recorder>("a", &journal),
                        std::make_shared<Stamper>()}),
      service_options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Inspect"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kOk);
  EXPECT_EQ(response->header.metadata().at("echo-x-user"), "alice");
  EXPECT_THAT(journal.entries(),
              ElementsAre(HasSubstr("a before"), "a after OK"));
}

TEST(ServerInterceptors, ANullInterceptorFailsStart) {
  Journal journal;
  TestService service;  // outlives the server, as AddService requires
  Server server(WithInterceptors(
      {std::make_shared<Recorder>("a", &journal), nullptr}));
  ASSERT_TRUE(server.AddService(&service).ok());
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  const absl::Status started = server.Start();
  EXPECT_EQ(started.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(started.message()), HasSubstr("interceptors[1]"));
}

// One interceptor object serves calls on many connections at once.
TEST(ServerInterceptors, OneInterceptorServesConcurrentCalls) {
  class Counter final : public ServerInterceptor {
   public:
    absl::Status BeforeCall(ServerContext&) override {
      before_.fetch_add(1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    void AfterCall(const ServerContext&, const CallSummary& summary) override {
      if (summary.status.ok()) after_ok_.fetch_add(1, std::memory_order_relaxed);
    }
    std::atomic<int> before_{0};
    std::atomic<int> after_ok_{0};
  };
  auto counter = std::make_shared<Counter>();
  ServerOptions options = WithInterceptors({counter});
  options.num_loops = 2;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  constexpr int kThreads = 4;
  constexpr int kCallsEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&harness] {
      absl::StatusOr<RawClient> client = harness.Connect();
      ASSERT_TRUE(client.ok()) << client.status();
      for (int i = 1; i <= kCallsEach; ++i) {
        absl::StatusOr<RawResponse> response = CallOnce(
            *client, static_cast<uint64_t>(i), TestService::Method("Echo"),
            MakeRequest("x"));
        ASSERT_TRUE(response.ok()) << response.status();
        EXPECT_EQ(response->code(), absl::StatusCode::kOk);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter->before_.load(), kThreads * kCallsEach);
  EXPECT_EQ(counter->after_ok_.load(), kThreads * kCallsEach);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
