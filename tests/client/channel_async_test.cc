// Asynchronous calls (docs/api.md §5.4) against a scripted server: the
// rules of §5.3 hold for them as for blocking calls, and blocking and
// asynchronous calls share a connection.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoScript;
using testing_support::FakeConnection;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::NotProcessedOnceThenEcho;
using testing_support::ReadRequests;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

// One asynchronous Say and its outcome.
struct AsyncSay {
  test::EchoRequest request;
  test::EchoReply reply;
  ClientContext context;
  absl::Status status;
  // Not absl::Notification: Debian's Abseil is not built for TSan.
  testing_support::Event done;

  void Start(Channel& channel, absl::string_view text) {
    request.set_text(std::string(text));
    context.set_timeout(absl::Seconds(20));
    channel.Call(kSay, request, &reply, &context, [this](absl::Status s) {
      status = std::move(s);
      done.Notify();
    });
  }
  bool Wait() { return done.WaitFor(absl::Seconds(20)); }
};

TEST(ChannelAsync, NotProcessedAnswerIsSentAgainOnANewConnection) {
  std::atomic<int> requests{0};
  auto server = StartServer(NotProcessedOnceThenEcho(&requests));
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  AsyncSay call;
  call.Start(*channel, "again");
  ASSERT_TRUE(call.Wait());
  ASSERT_TRUE(call.status.ok()) << call.status;
  EXPECT_EQ(call.reply.text(), "again");
  EXPECT_EQ(server->connections_accepted(), 2);
  EXPECT_EQ(requests.load(), 2);
}

TEST(ChannelAsync, ConnectionLostAfterTheRequestIsUnavailableAndNotResent) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](FakeConnection& connection) {
    requests += static_cast<int>(ReadRequests(connection, 1).size());
    connection.Close();  // no drain notice: the call may have run
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  AsyncSay call;
  call.Start(*channel, "lost");
  ASSERT_TRUE(call.Wait());
  EXPECT_EQ(call.status.code(), absl::StatusCode::kUnavailable) << call.status;
  EXPECT_NE(call.status.message().find(kSay), std::string::npos)
      << call.status;
  EXPECT_EQ(requests.load(), 1);
}

TEST(ChannelAsync, BlockingAndAsynchronousCallsShareAConnection) {
  auto server = StartServer(EchoScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  constexpr int kAsync = 300;
  constexpr int kThreads = 4;
  constexpr int kBlockingPerThread = 100;
  std::vector<std::unique_ptr<AsyncSay>> calls;
  std::atomic<int> blocking_failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kBlockingPerThread; ++i) {
        ClientContext context;
        context.set_timeout(absl::Seconds(20));
        const std::string text = absl::StrCat("blocking ", t, " ", i);
        absl::StatusOr<test::EchoReply> reply = Say(*channel, text, &context);
        if (!reply.ok() || reply->text() != text) ++blocking_failures;
      }
    });
  }
  for (int i = 0; i < kAsync; ++i) {
    calls.push_back(std::make_unique<AsyncSay>());
    calls.back()->Start(*channel, absl::StrCat("async ", i));
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(blocking_failures.load(), 0);
  for (int i = 0; i < kAsync; ++i) {
    ASSERT_TRUE(calls[i]->Wait()) << "async call " << i << " never finished";
    ASSERT_TRUE(calls[i]->status.ok()) << calls[i]->status;
    EXPECT_EQ(calls[i]->reply.text(), absl::StrCat("async ", i));
  }
  EXPECT_EQ(server->connections_accepted(), 1);
}

}  // namespace
}  // namespace framerpc
