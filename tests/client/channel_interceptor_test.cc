// ChannelOptions::interceptors against a scripted fake server: the order of
// BeforeCall and AfterCall, a rejection that sends nothing (no connection,
// no request), metadata added to the call but not to the caller's context,
// the final status and response metadata in AfterCall, and a resent call
// seen as one call.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "framerpc/interceptor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"
#include "tests/support/interceptor_journal.h"

namespace framerpc {
namespace {

using testing_support::CountingEchoScript;
using testing_support::EchoOf;
using testing_support::EchoScript;
using testing_support::FakeConnection;
using testing_support::FreeLoopbackAddress;
using testing_support::Journal;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReadRequests;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;
using ::testing::ElementsAre;

constexpr absl::Duration kCallTimeout = absl::Seconds(10);

// Journals "<name> before <method>", "<name> after <code>" and "<name> got
// <key>=<value>" for each response metadata entry, keeps each summary, and
// answers BeforeCall with `verdict`.
class Recorder final : public ClientInterceptor {
 public:
  Recorder(std::string name, Journal* journal,
           absl::Status verdict = absl::OkStatus())
      : name_(std::move(name)), journal_(journal), verdict_(verdict) {}

  absl::Status BeforeCall(ClientCallInfo& call) override {
    journal_->Add(absl::StrCat(name_, " before ", call.method()));
    return verdict_;
  }
  void AfterCall(const ClientCallInfo& call,
                 const CallSummary& summary) override {
    journal_->Add(absl::StrCat(name_, " after ",
                               absl::StatusCodeToString(summary.status.code())));
    journal_->Keep(summary);
    for (const auto& [key, value] : call.context().response_metadata()) {
      journal_->Add(absl::StrCat(name_, " got ", key, "=", value));
    }
  }

 private:
  const std::string name_;
  Journal* const journal_;
  const absl::Status verdict_;
};

// Adds "authorization: Bearer t" to every call.
class TokenAdder final : public ClientInterceptor {
 public:
  absl::Status BeforeCall(ClientCallInfo& call) override {
    call.AddMetadata("authorization", "Bearer t");
    return absl::OkStatus();
  }
};

ChannelOptions WithInterceptors(
    std::vector<std::shared_ptr<ClientInterceptor>> interceptors) {
  ChannelOptions options;
  options.interceptors = std::move(interceptors);
  return options;
}

TEST(ChannelInterceptors, ANullInterceptorFailsCreate) {
  ChannelOptions options = WithInterceptors({nullptr});
  const absl::Status created = Channel::Create("127.0.0.1:1", options).status();
  EXPECT_EQ(created, absl::InvalidArgumentError(
                         "create channel to 127.0.0.1:1: interceptors[0] is "
                         "null; every interceptor must be set"));
}

TEST(ChannelInterceptors, BeforeCallsRunInOrderAndAfterCallsInReverse) {
  auto server = StartServer(EchoScript);
  ASSERT_NE(server, nullptr);
  Journal journal;
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(),
      WithInterceptors({std::make_shared<Recorder>("a", &journal),
                        std::make_shared<Recorder>("b", &journal)}));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hello");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_THAT(journal.entries(),
              ElementsAre(absl::StrCat("a before ", kSay),
                          absl::StrCat("b before ", kSay), "b after OK",
                          "a after OK"));
  test::EchoRequest request;
  request.set_text("hello");
  for (const CallSummary& summary : journal.summaries()) {
    EXPECT_EQ(summary.request_bytes, request.ByteSizeLong());
    EXPECT_EQ(summary.response_bytes, reply->ByteSizeLong());
    EXPECT_GT(summary.duration, absl::ZeroDuration());
    EXPECT_LT(summary.duration, kCallTimeout);
  }
}

TEST(ChannelInterceptors, CallInfoNamesTheCallAndItsDeadline) {
  auto server = StartServer(EchoScript);
  ASSERT_NE(server, nullptr);
  struct Seen {
    std::string method, target;
    absl::Time deadline;
  };
  class Looker final : public ClientInterceptor {
   public:
    explicit Looker(Seen* seen) : seen_(seen) {}
    absl::Status BeforeCall(ClientCallInfo& call) override {
      *seen_ = {std::string(call.method()), std::string(call.target()),
                call.deadline()};
      return absl::OkStatus();
    }
    Seen* const seen_;
  };
  Seen seen;
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(), WithInterceptors({std::make_shared<Looker>(&seen)}));
  ClientContext context;
  const absl::Time before = absl::Now();
  context.set_timeout(kCallTimeout);
  ASSERT_TRUE(Say(*channel, "x", &context).ok());
  EXPECT_EQ(seen.method, kSay);
  EXPECT_EQ(seen.target, server->address());
  EXPECT_GE(seen.deadline, before + kCallTimeout);
  EXPECT_LE(seen.deadline, absl::Now() + kCallTimeout);
  // Without a deadline: the channel's default, here none.
  ASSERT_TRUE(Say(*channel, "x").ok());
  EXPECT_EQ(seen.deadline, absl::InfiniteFuture());
}

TEST(ChannelInterceptors, TimeInBeforeCallCountsAgainstTheDeadline) {
  auto server = StartServer(EchoScript);
  ASSERT_NE(server, nullptr);
  class Slow final : public ClientInterceptor {
    absl::Status BeforeCall(ClientCallInfo&) override {
      absl::SleepFor(absl::Milliseconds(300));
      return absl::OkStatus();
    }
  };
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(), WithInterceptors({std::make_shared<Slow>()}));
  ClientContext context;
  context.set_timeout(absl::Milliseconds(200));
  EXPECT_EQ(Say(*channel, "late", &context).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

TEST(ChannelInterceptors, RejectionFailsTheCallBeforeAnythingIsSent) {
  std::atomic<int> requests{0};
  auto server = StartServer([&requests](FakeConnection& connection) {
    CountingEchoScript(connection, &requests);
  });
  ASSERT_NE(server, nullptr);
  Journal journal;
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(),
      WithInterceptors(
          {std::make_shared<Recorder>("a", &journal),
           std::make_shared<Recorder>(
               "b", &journal, absl::UnauthenticatedError("no token in hand")),
           std::make_shared<Recorder>("c", &journal)}));
  ClientContext context;
  context.set_timeout(kCallTimeout);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hello", &context);
  // The interceptor's own status, not wrapped.
  EXPECT_EQ(reply.status(), absl::UnauthenticatedError("no token in hand"));
  EXPECT_THAT(journal.entries(),
              ElementsAre(absl::StrCat("a before ", kSay),
                          absl::StrCat("b before ", kSay),
                          "b after UNAUTHENTICATED", "a after UNAUTHENTICATED"));
  // Nothing reached the network: not even a connection.
  EXPECT_EQ(server->connections_accepted(), 0);
  EXPECT_EQ(requests.load(), 0);
  for (const CallSummary& summary : journal.summaries()) {
    EXPECT_EQ(summary.response_bytes, 0u);
  }
}

TEST(ChannelInterceptors, MetadataAddedIsSentWithTheCallOnly) {
  std::mutex mu;
  std::vector<Metadata> received;
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      {
        std::lock_guard<std::mutex> lock(mu);
        received.emplace_back(request->header.metadata().begin(),
                              request->header.metadata().end());
      }
      if (!connection.Reply(request->header.call_id(),
                            EchoOf(ParseEchoRequest(*request)))) {
        return;
      }
    }
  });
  ASSERT_NE(server, nullptr);
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(), WithInterceptors({std::make_shared<TokenAdder>()}));
  ClientContext context;
  context.AddMetadata("k", "v");
  context.AddMetadata("authorization", "Bearer stale");
  ASSERT_TRUE(Say(*channel, "with a context", &context).ok());
  ASSERT_TRUE(Say(*channel, "without one").ok());
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(received.size(), 2u);
  EXPECT_EQ(received[0], (Metadata{{"authorization", "Bearer t"}, {"k", "v"}}));
  EXPECT_EQ(received[1], (Metadata{{"authorization", "Bearer t"}}));
  // The caller's context is as the caller left it.
  EXPECT_EQ(context.metadata(),
            (Metadata{{"authorization", "Bearer stale"}, {"k", "v"}}));
}

TEST(ChannelInterceptors, AfterCallSeesTheFinalStatusAndResponseMetadata) {
  auto server = StartServer([](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      const test::EchoRequest echo = ParseEchoRequest(*request);
      const bool sent =
          echo.code() != 0
              ? connection.ReplyStatus(request->header.call_id(), echo.code(),
                                       "the server says no")
              : connection.Reply(request->header.call_id(), EchoOf(echo),
                                 {{"x-served-by", "fake"}});
      if (!sent) return;
    }
  });
  ASSERT_NE(server, nullptr);
  Journal journal;
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(),
      WithInterceptors({std::make_shared<Recorder>("a", &journal)}));
  // A call without a context: its interceptors still see the response
  // metadata.
  ASSERT_TRUE(Say(*channel, "fine").ok());
  test::EchoRequest failing;
  failing.set_code(static_cast<int>(absl::StatusCode::kNotFound));
  test::EchoReply reply;
  EXPECT_EQ(channel->Call(kSay, failing, &reply).code(),
            absl::StatusCode::kNotFound);
  EXPECT_THAT(journal.entries(),
              ElementsAre(absl::StrCat("a before ", kSay), "a after OK",
                          "a got x-served-by=fake",
                          absl::StrCat("a before ", kSay), "a after NOT_FOUND"));
  const std::vector<CallSummary> summaries = journal.summaries();
  ASSERT_EQ(summaries.size(), 2u);
  EXPECT_EQ(summaries[1].status.message(), "the server says no");
  EXPECT_EQ(summaries[1].response_bytes, 0u);
}

TEST(ChannelInterceptors, AfterCallSeesAFailureToConnect) {
  Journal journal;
  std::shared_ptr<Channel> channel = MakeChannel(
      FreeLoopbackAddress(),
      WithInterceptors({std::make_shared<Recorder>("a", &journal)}));
  EXPECT_EQ(Say(*channel, "nobody there").status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_THAT(journal.entries(),
              ElementsAre(absl::StrCat("a before ", kSay), "a after UNAVAILABLE"));
}

TEST(ChannelInterceptors, ACallSentAgainIsOneCall) {
  std::atomic<int> requests{0};
  std::atomic<int> with_token{0};
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      for (const ReceivedRequest& request : ReadRequests(connection, 1)) {
        ++requests;
        if (request.header.metadata().count("authorization") == 1) ++with_token;
        connection.ReplyNotProcessed(request.header.call_id());
      }
      connection.WaitForClientClose();
      return;
    }
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      ++requests;
      if (request->header.metadata().count("authorization") == 1) ++with_token;
      if (!connection.Reply(request->header.call_id(),
                            EchoOf(ParseEchoRequest(*request)))) {
        return;
      }
    }
  });
  ASSERT_NE(server, nullptr);
  Journal journal;
  std::shared_ptr<Channel> channel = MakeChannel(
      server->address(),
      WithInterceptors({std::make_shared<Recorder>("a", &journal),
                        std::make_shared<TokenAdder>()}));
  ClientContext context;
  context.set_timeout(kCallTimeout);
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "again", &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(with_token.load(), 2);  // the resend carries the added metadata
  EXPECT_THAT(journal.entries(),
              ElementsAre(absl::StrCat("a before ", kSay), "a after OK"));
}

}  // namespace
}  // namespace framerpc
