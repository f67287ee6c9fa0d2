// How a Channel fails: deadlines, refused and lost connections, server
// connection errors, oversize and garbled responses. Each case checks the
// code of docs/api.md §6 (status codes), that the message names the call,
// and that the channel works again afterwards.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "framing/frame_decoder.h"
#include "gtest/gtest.h"
#include "rpc/address.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::EchoScript;
using testing_support::Event;
using testing_support::FakeConnection;
using testing_support::FreeLoopbackAddress;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReadRequests;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

// How late past its deadline a call may return: generous, for sanitizer
// builds on a loaded machine, yet far below "never".
constexpr absl::Duration kSlack = absl::Seconds(4);

bool Contains(const absl::Status& status, absl::string_view part) {
  return status.message().find(part) != absl::string_view::npos;
}

// Runs `count` calls in parallel on `channel` and returns their statuses.
std::vector<absl::Status> CallInParallel(Channel& channel, int count) {
  std::vector<absl::Status> statuses(count);
  std::vector<std::thread> threads;
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      ClientContext context;
      context.set_timeout(absl::Seconds(20));
      statuses[i] = Say(channel, absl::StrCat("call ", i), &context).status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  return statuses;
}

TEST(ChannelFailure, DeadlineAgainstSilentServerThenLateAnswerIsDropped) {
  Event client_gave_up;
  std::atomic<uint64_t> first_timeout_us{0};
  auto server = StartServer([&](FakeConnection& connection) {
    absl::optional<ReceivedRequest> first = connection.Read();
    ASSERT_TRUE(first.has_value());
    first_timeout_us = first->header.timeout_us();
    ASSERT_TRUE(client_gave_up.WaitFor());
    // The answer comes after the caller stopped waiting for it.
    test::EchoReply late;
    late.set_text("late");
    connection.Reply(first->header.call_id(), late);
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());

  ClientContext context;
  context.set_timeout(absl::Milliseconds(200));
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply =
      Say(*channel, "never answered", &context);
  const absl::Duration elapsed = absl::Now() - start;
  client_gave_up.Notify();
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(Contains(reply.status(),
                       absl::StrCat("call demo.Echo/Say to ", server->address(),
                                    ": deadline exceeded after 200ms")))
      << reply.status();
  EXPECT_GE(elapsed, absl::Milliseconds(200));
  EXPECT_LT(elapsed, absl::Milliseconds(200) + kSlack);
  EXPECT_GT(first_timeout_us.load(), 100'000u);
  EXPECT_LE(first_timeout_us.load(), 200'000u);

  // The late answer (call 1) reaches the client first and is dropped; the
  // next calls get their own answers on the same connection.
  for (int i = 0; i < 3; ++i) {
    ClientContext next;
    next.set_timeout(absl::Seconds(20));
    absl::StatusOr<test::EchoReply> answer =
        Say(*channel, absl::StrCat("next ", i), &next);
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->text(), absl::StrCat("next ", i));
  }
  EXPECT_EQ(server->connections_accepted(), 1);
}

// Two callers wait at once, one of them with a short deadline, which passes
// while the other keeps waiting; whether the short one was reading or not
// when it expired, the long one still gets its answer.
void ShortAndLongCaller(bool short_first) {
  Event short_done;
  Event first_received;
  auto server = StartServer([&](FakeConnection& connection) {
    for (const ReceivedRequest& hello : ReadRequests(connection, 1)) {
      connection.Reply(hello.header.call_id(), EchoOf(ParseEchoRequest(hello)));
    }
    std::vector<ReceivedRequest> requests = ReadRequests(connection, 1);
    first_received.Notify();
    for (ReceivedRequest& request : ReadRequests(connection, 1)) {
      requests.push_back(std::move(request));
    }
    ASSERT_TRUE(short_done.WaitFor());
    for (const ReceivedRequest& request : requests) {
      const test::EchoRequest parsed = ParseEchoRequest(request);
      if (parsed.text() == "long")
        connection.Reply(request.header.call_id(), EchoOf(parsed));
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(Say(*channel, "connect").ok());

  absl::StatusOr<test::EchoReply> long_reply;
  absl::Duration short_elapsed;
  absl::Status short_status;
  auto run_short = [&] {
    ClientContext context;
    context.set_timeout(absl::Milliseconds(200));
    const absl::Time start = absl::Now();
    short_status = Say(*channel, "short", &context).status();
    short_elapsed = absl::Now() - start;
    short_done.Notify();
  };
  auto run_long = [&] {
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    long_reply = Say(*channel, "long", &context);
  };
  std::thread first(short_first ? std::function<void()>(run_short) : run_long);
  ASSERT_TRUE(first_received.WaitFor());  // the first caller now reads
  std::thread second(short_first ? std::function<void()>(run_long) : run_short);
  first.join();
  second.join();

  EXPECT_EQ(short_status.code(), absl::StatusCode::kDeadlineExceeded)
      << short_status;
  EXPECT_LT(short_elapsed, absl::Milliseconds(200) + kSlack);
  ASSERT_TRUE(long_reply.ok()) << long_reply.status();
  EXPECT_EQ(long_reply->text(), "long");
}

TEST(ChannelFailure, FollowerDeadlinePassesWhileReaderWaits) {
  ShortAndLongCaller(/*short_first=*/false);
}

TEST(ChannelFailure, ReaderDeadlinePassesAndAWaitingCallerTakesOver) {
  ShortAndLongCaller(/*short_first=*/true);
}

TEST(ChannelFailure, RefusedConnectionIsUnavailable) {
  const std::string target = FreeLoopbackAddress();

  std::shared_ptr<Channel> channel = MakeChannel(target);
  ClientContext context;
  context.set_timeout(absl::Seconds(10));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "anyone?", &context);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(
      Contains(reply.status(),
               absl::StrCat("call demo.Echo/Say to ", target, ": connect to ",
                            target, ": Connection refused")))
      << reply.status();
  // Still refused on the next call: every call tries again.
  EXPECT_EQ(Say(*channel, "anyone now?").status().code(),
            absl::StatusCode::kUnavailable);
}

TEST(ChannelFailure, MissingUnixSocketIsUnavailable) {
  std::shared_ptr<Channel> channel =
      MakeChannel("unix:/nonexistent/framerpc.sock");
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "anyone?");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(
      Contains(reply.status(), "connect to unix:/nonexistent/framerpc.sock"))
      << reply.status();
}

TEST(ChannelFailure, ServerClosingMidCallFailsAllInFlightThenReconnects) {
  constexpr int kCalls = 4;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      ReadRequests(connection, kCalls);
      connection.Close();  // with every call waiting for its answer
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  for (const absl::Status& status : CallInParallel(*channel, kCalls)) {
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_TRUE(Contains(status, absl::StrCat("to ", server->address(), ": ")))
        << status;
  }
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "again");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "again");
  EXPECT_EQ(server->connections_accepted(), 2);
}

TEST(ChannelFailure, ServerClosingMidFrameIsUnavailable) {
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      absl::optional<ReceivedRequest> request = connection.Read();
      ASSERT_TRUE(request.has_value());
      char prefix[4];
      EncodeFrameLength(100, prefix);
      connection.WriteRaw(absl::string_view(prefix, 4));
      connection.WriteRaw("only part of the body");
      connection.Close();
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "cut short");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(reply.status(), "mid-frame")) << reply.status();
  ASSERT_TRUE(Say(*channel, "again").ok());
}

TEST(ChannelFailure, ConnectionErrorResponseFailsEveryCallInFlight) {
  constexpr int kCalls = 3;
  Event client_closed;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      ReadRequests(connection, kCalls);
      wire::Response error;
      error.set_call_id(0);
      error.set_code(static_cast<int>(absl::StatusCode::kInvalidArgument));
      error.set_message("frame body is not a framerpc.wire.Request");
      connection.Send(error);
      // The client, not the server, must close the connection now.
      if (connection.WaitForClientClose()) client_closed.Notify();
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  for (const absl::Status& status : CallInParallel(*channel, kCalls)) {
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
    EXPECT_TRUE(Contains(status, "frame body is not a framerpc.wire.Request"))
        << status;
    EXPECT_TRUE(Contains(status, server->address())) << status;
  }
  EXPECT_TRUE(client_closed.WaitFor());
  ASSERT_TRUE(Say(*channel, "again").ok());
}

TEST(ChannelFailure, OversizeResponseFrameIsResourceExhausted) {
  Event client_closed;
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      ReadRequests(connection, 1);
      // Only the length prefix: a client that tried to buffer the body
      // first would wait here instead of failing.
      char prefix[4];
      EncodeFrameLength(1 << 20, prefix);
      connection.WriteRaw(absl::string_view(prefix, 4));
      if (connection.WaitForClientClose()) client_closed.Notify();
      return;
    }
    EchoScript(connection);
  });
  ChannelOptions options;
  options.max_frame_size = 4096;
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);
  ClientContext context;
  context.set_timeout(absl::Seconds(20));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hi", &context);
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(reply.status(), absl::StrCat(1 << 20)))
      << reply.status();
  EXPECT_TRUE(Contains(reply.status(), "4096")) << reply.status();
  EXPECT_TRUE(client_closed.WaitFor());
  ASSERT_TRUE(Say(*channel, "again").ok());
}

TEST(ChannelFailure, UnparsableResponsePayloadIsInternalForThatCallOnly) {
  auto server = StartServer([&](FakeConnection& connection) {
    absl::optional<ReceivedRequest> request = connection.Read();
    ASSERT_TRUE(request.has_value());
    wire::Response garbage;
    garbage.set_call_id(request->header.call_id());
    garbage.set_payload("\xff\xff\xff\xff");  // a truncated varint tag
    connection.Send(garbage);
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hi");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal);
  EXPECT_TRUE(Contains(reply.status(), "framerpc.test.EchoReply"))
      << reply.status();
  EXPECT_TRUE(Contains(reply.status(), "4 bytes")) << reply.status();
  // The connection is fine: the next call travels on it.
  ASSERT_TRUE(Say(*channel, "again").ok());
  EXPECT_EQ(server->connections_accepted(), 1);
}

// `count` entries whose keys and values add up to exactly `bytes` (at
// least 2 per entry).
Metadata MetadataOf(int count, size_t bytes) {
  Metadata metadata;
  for (int i = 0; i < count; ++i) {
    std::string key = absl::StrCat("k", i);
    const size_t share = bytes / count + (i < static_cast<int>(bytes % count));
    metadata[key] = std::string(share - key.size(), 'v');
  }
  return metadata;
}

size_t KeyAndValueBytes(const Metadata& metadata) {
  size_t bytes = 0;
  for (const auto& [key, value] : metadata) bytes += key.size() + value.size();
  return bytes;
}

TEST(ChannelFailure, ResponseMetadataOverTheLimitFailsThatCallOnly) {
  // Before the limit, a response could bring any amount of metadata, all
  // of it copied into a map by the reading thread.
  const Metadata at_limit = MetadataOf(4, 64);
  ASSERT_EQ(KeyAndValueBytes(at_limit), 64u);
  auto server = StartServer([&](FakeConnection& connection) {
    const Metadata replies[] = {MetadataOf(5, 20), at_limit, MetadataOf(4, 65),
                                MetadataOf(1, 65)};
    for (const Metadata& metadata : replies) {
      absl::optional<ReceivedRequest> request = connection.Read();
      if (!request) return;
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)), metadata);
    }
    EchoScript(connection);
  });
  ChannelOptions options;
  options.max_metadata_entries = 4;
  options.max_metadata_bytes = 64;
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);

  absl::StatusOr<test::EchoReply> reply = Say(*channel, "five entries");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(Contains(reply.status(), "5 entries")) << reply.status();
  EXPECT_TRUE(Contains(reply.status(), "4 entries / 64 bytes"))
      << reply.status();

  reply = Say(*channel, "at the limit");
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "at the limit");

  for (const char* text : {"65 bytes in 4", "65 bytes in 1"}) {
    reply = Say(*channel, text);
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kResourceExhausted)
        << text;
    EXPECT_TRUE(Contains(reply.status(), "ChannelOptions::max_metadata"))
        << reply.status();
  }
  // Only those calls failed: the connection carries the next one.
  ASSERT_TRUE(Say(*channel, "again").ok());
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(ChannelFailure, ResponseThatIsNotAResponseFailsTheConnection) {
  auto server = StartServer([&](FakeConnection& connection) {
    if (connection.index() == 0) {
      ReadRequests(connection, 1);
      char frame[7];
      EncodeFrameLength(3, frame);
      frame[4] = '\xff';
      frame[5] = '\xff';
      frame[6] = '\xff';
      connection.WriteRaw(absl::string_view(frame, sizeof(frame)));
      connection.WaitForClientClose();
      return;
    }
    EchoScript(connection);
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hi");
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal)
      << reply.status();
  ASSERT_TRUE(Say(*channel, "again").ok());
  EXPECT_EQ(server->connections_accepted(), 2);
}

TEST(ChannelFailure, ExpiredDeadlineFailsWithoutConnecting) {
  auto server = StartServer(EchoScript);
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ClientContext context;
  context.set_deadline(absl::Now() - absl::Seconds(1));
  EXPECT_EQ(Say(*channel, "too late", &context).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(server->connections_accepted(), 0);
}

}  // namespace
}  // namespace framerpc
