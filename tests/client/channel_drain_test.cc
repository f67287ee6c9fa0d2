// Protocol version 2 on the client: drain notices and calls the server
// never processed (docs/api.md §5.3, "No spurious failures"). A call the
// server never started is sent again on a new connection, at most twice; a
// call that may have run never is.
#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::CountingEchoScript;
using testing_support::EchoScript;
using testing_support::Event;
using testing_support::FakeConnection;
using testing_support::MakeChannel;
using testing_support::NotProcessedOnceThenEcho;
using testing_support::ParseEchoRequest;
using testing_support::ReadRequests;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

constexpr absl::Duration kCallTimeout = absl::Seconds(20);

absl::StatusOr<test::EchoReply> SayWithin(Channel& channel,
                                          absl::string_view text,
                                          absl::Duration timeout = kCallTimeout) {
  ClientContext context;
  context.set_timeout(timeout);
  return Say(channel, text, &context);
}

TEST(ChannelDrain, CallsInFlightFinishAndTheNextCallUsesANewConnection) {
  constexpr int kCalls = 3;
  Event old_connection_closed;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      std::vector<ReceivedRequest> requests = ReadRequests(connection, kCalls);
      // Announced before the answers: the calls go on regardless.
      ASSERT_TRUE(connection.SendDrainNotice());
      for (const ReceivedRequest& request : requests) {
        connection.Reply(request.header.call_id(),
                         EchoOf(ParseEchoRequest(request)));
      }
      // The server does not close it: the client lets go of it by itself
      // once its calls are done and a new call went elsewhere.
      if (connection.WaitForClientClose()) old_connection_closed.Notify();
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  std::vector<absl::StatusOr<test::EchoReply>> replies(
      kCalls, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      replies[i] = SayWithin(*channel, absl::StrCat("in flight ", i));
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(replies[i].ok()) << replies[i].status();
    EXPECT_EQ(replies[i]->text(), absl::StrCat("in flight ", i));
  }
  EXPECT_EQ(server->connections_accepted(), 1);

  absl::StatusOr<test::EchoReply> next = SayWithin(*channel, "next");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->text(), "next");
  EXPECT_EQ(server->connections_accepted(), 2);
  EXPECT_TRUE(old_connection_closed.WaitFor());
}

TEST(ChannelDrain, NotProcessedAnswerIsSentAgainOnANewConnection) {
  std::atomic<int> requests{0};
  auto server = StartServer(NotProcessedOnceThenEcho(&requests));
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  absl::StatusOr<test::EchoReply> reply = SayWithin(*channel, "again");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "again");
  EXPECT_EQ(server->connections_accepted(), 2);
  EXPECT_EQ(requests.load(), 2);
}

TEST(ChannelDrain, UnansweredWhenTheServerClosesAfterItsNoticeIsSentAgain) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      requests += static_cast<int>(ReadRequests(connection, 2).size());
      // The server answers everything it read before the notice, so these
      // came after it: never processed.
      connection.SendDrainNotice();
      connection.Close();
      return;
    }
    CountingEchoScript(connection, &requests);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  std::vector<absl::StatusOr<test::EchoReply>> replies(
      2, absl::UnknownError("not run"));
  std::thread other([&] { replies[1] = SayWithin(*channel, "second"); });
  replies[0] = SayWithin(*channel, "first");
  other.join();
  ASSERT_TRUE(replies[0].ok()) << replies[0].status();
  ASSERT_TRUE(replies[1].ok()) << replies[1].status();
  EXPECT_EQ(replies[0]->text(), "first");
  EXPECT_EQ(replies[1]->text(), "second");
  EXPECT_EQ(requests.load(), 4);
}

TEST(ChannelDrain, WrittenThenClosedWithoutNoticeIsNotSentAgain) {
  std::atomic<int> requests{0};
  Event first_closed;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      requests += static_cast<int>(ReadRequests(connection, 1).size());
      connection.Close();  // it may have run: no notice, no answer
      first_closed.Notify();
      return;
    }
    CountingEchoScript(connection, &requests);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  absl::StatusOr<test::EchoReply> reply = SayWithin(*channel, "once only");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_TRUE(first_closed.WaitFor());
  EXPECT_EQ(requests.load(), 1);
  EXPECT_EQ(server->connections_accepted(), 1);
  // The channel itself recovers.
  ASSERT_TRUE(SayWithin(*channel, "later").ok());
  EXPECT_EQ(requests.load(), 2);
}

TEST(ChannelDrain, CallNeverSentBeforeTheConnectionFailedIsSentAgain) {
  std::atomic<int> requests{0};
  Event reset;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      for (const ReceivedRequest& request : ReadRequests(connection, 1)) {
        ++requests;
        connection.Reply(request.header.call_id(),
                         EchoOf(ParseEchoRequest(request)));
      }
      // A reset while the client is idle: its next send fails before any
      // byte of the request leaves.
      connection.Reset();
      reset.Notify();
      return;
    }
    CountingEchoScript(connection, &requests);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(SayWithin(*channel, "first").ok());
  ASSERT_TRUE(reset.WaitFor());
  absl::StatusOr<test::EchoReply> reply = SayWithin(*channel, "second");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "second");
  EXPECT_EQ(requests.load(), 2);
  EXPECT_EQ(server->connections_accepted(), 2);
}

TEST(ChannelDrain, ResendingIsBoundedAndWithinTheDeadline) {
  std::atomic<int> requests{0};
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      ++requests;
      connection.ReplyNotProcessed(request->header.call_id());
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply = SayWithin(*channel, "turned away");
  EXPECT_LT(absl::Now() - start, kCallTimeout);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_NE(reply.status().message().find("fake server: not processed"),
            absl::string_view::npos)
      << reply.status();
  // The first attempt and two resends, each on a connection of its own.
  EXPECT_EQ(requests.load(), 3);
  EXPECT_EQ(server->connections_accepted(), 3);
}

}  // namespace
}  // namespace framerpc
