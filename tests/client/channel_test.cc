// Channel basics against a scripted fake server: creation, the three
// transports, call ids, metadata, status codes, timeouts on the wire.
#include "framerpc/channel.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "rpc/address.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::EchoScript;
using testing_support::Event;
using testing_support::FakeConnection;
using testing_support::kSay;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

TEST(Channel, CreateRejectsMalformedAddresses) {
  for (const char* bad : {"", "nohost", "1.2.3.4:99999", "[::1", "unix:", ":80",
                          "host:", "host:8x", "::1:80"}) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(bad);
    EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument)
        << "'" << bad << "': " << channel.status();
  }
}

TEST(Channel, CreateRejectsUnusableOptions) {
  ChannelOptions no_frames;
  no_frames.max_frame_size = 0;
  EXPECT_EQ(Channel::Create("127.0.0.1:1", no_frames).status().code(),
            absl::StatusCode::kInvalidArgument);
  ChannelOptions no_time;
  no_time.connect_timeout = absl::ZeroDuration();
  EXPECT_EQ(Channel::Create("127.0.0.1:1", no_time).status().code(),
            absl::StatusCode::kInvalidArgument);
  no_time.connect_timeout = absl::Milliseconds(-250);
  const absl::Status status = Channel::Create("127.0.0.1:1", no_time).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "create channel to 127.0.0.1:1: connect_timeout must be positive, "
            "not -250ms");
}

TEST(Channel, CreateDoesNotConnectAndKeepsTheTarget) {
  // Nobody listens on port 1: creating still succeeds, as it connects
  // only on the first call.
  for (const char* target :
       {"127.0.0.1:1", "[::1]:1", "localhost:1", "unix:/nonexistent/socket"}) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(target);
    ASSERT_TRUE(channel.ok()) << target << ": " << channel.status();
    EXPECT_EQ((*channel)->target(), target);
  }
}

void ExpectEchoWorks(const std::string& address) {
  std::shared_ptr<Channel> channel = MakeChannel(address);
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 3; ++i) {
    const std::string text = absl::StrCat("hello ", i, " over ", address);
    absl::StatusOr<test::EchoReply> reply = Say(*channel, text);
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), text);
  }
}

TEST(Channel, EchoOverTcpV4) {
  auto server = StartServer(EchoScript, "127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  ExpectEchoWorks(server->address());
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(Channel, EchoOverTcpV6) {
  absl::StatusOr<std::unique_ptr<testing_support::FakeServer>> server =
      testing_support::FakeServer::Start("[::1]:0", EchoScript);
  if (!server.ok())
    GTEST_SKIP() << "no IPv6 loopback here: " << server.status();
  EXPECT_EQ((*server)->address().rfind("[::1]:", 0), 0u)
      << (*server)->address();
  ExpectEchoWorks((*server)->address());
}

TEST(Channel, EchoOverUnixSocket) {
  char dir_template[] = "/tmp/framerpc_client_test.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  const std::string address = absl::StrCat("unix:", dir_template, "/echo.sock");
  {
    auto server = StartServer(EchoScript, address);
    ASSERT_NE(server, nullptr);
    EXPECT_EQ(server->address(), address);
    ExpectEchoWorks(address);
  }
  ::rmdir(dir_template);
}

TEST(Channel, CallIdsStartAtOneAndIncreasePerConnection) {
  std::mutex mu;
  std::vector<std::pair<int, uint64_t>> seen;  // (connection, call id)
  auto server = StartServer([&](FakeConnection& connection) {
    // Two calls per connection, then the server hangs up.
    for (int i = 0; i < 2; ++i) {
      absl::optional<ReceivedRequest> request = connection.Read();
      if (!request) return;
      {
        std::lock_guard<std::mutex> lock(mu);
        seen.emplace_back(connection.index(), request->header.call_id());
      }
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)));
    }
    connection.Close();
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(Say(*channel, "a").ok());
  ASSERT_TRUE(Say(*channel, "b").ok());
  // The hang-up may or may not be seen by this call: it either fails
  // UNAVAILABLE or already runs on a new connection.
  absl::StatusOr<test::EchoReply> third = Say(*channel, "c");
  if (!third.ok()) {
    EXPECT_EQ(third.status().code(), absl::StatusCode::kUnavailable);
    ASSERT_TRUE(Say(*channel, "c again").ok());
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen[0], std::make_pair(0, uint64_t{1}));
  EXPECT_EQ(seen[1], std::make_pair(0, uint64_t{2}));
  EXPECT_EQ(seen[2], std::make_pair(1, uint64_t{1}));
}

TEST(Channel, MetadataTravelsBothWays) {
  std::mutex mu;
  std::vector<Metadata> received;
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      Metadata metadata(request->header.metadata().begin(),
                        request->header.metadata().end());
      {
        std::lock_guard<std::mutex> lock(mu);
        received.push_back(metadata);
      }
      Metadata answer;
      for (const auto& [key, value] : metadata) {
        answer[absl::StrCat("re-", key)] = absl::StrCat(value, "!");
      }
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)), answer);
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());

  ClientContext context;
  context.AddMetadata("x-trace", "abc");
  context.AddMetadata("bin", std::string("\0\xff", 2));
  ASSERT_TRUE(Say(*channel, "one", &context).ok());
  EXPECT_EQ(context.response_metadata(),
            (Metadata{{"re-bin", std::string("\0\xff!", 3)},
                      {"re-x-trace", "abc!"}}));

  // A reused context replaces, not merges, the server's metadata.
  ClientContext other;
  other.AddMetadata("k", "v");
  ASSERT_TRUE(Say(*channel, "two", &other).ok());
  ASSERT_TRUE(Say(*channel, "three", &context).ok());
  ClientContext empty;
  ASSERT_TRUE(Say(*channel, "four", &empty).ok());
  EXPECT_TRUE(empty.response_metadata().empty());

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(received.size(), 4u);
  EXPECT_EQ(received[0], context.metadata());
  EXPECT_EQ(received[1], (Metadata{{"k", "v"}}));
  EXPECT_TRUE(received[3].empty());
}

TEST(Channel, EveryStatusCodeRoundTripsWithItsMessage) {
  auto server = StartServer([](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      const test::EchoRequest parsed = ParseEchoRequest(*request);
      connection.ReplyStatus(request->header.call_id(), parsed.code(),
                             parsed.text());
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  for (int code = 1; code <= 16; ++code) {
    test::EchoRequest request;
    request.set_code(code);
    request.set_text(absl::StrCat("handler says ", code, " \xe2\x9c\x93"));
    test::EchoReply reply;
    absl::Status status = channel->Call(kSay, request, &reply);
    EXPECT_EQ(status,
              absl::Status(static_cast<absl::StatusCode>(code), request.text()))
        << "code " << code;
  }
  // A code outside absl's range is never mistaken for success.
  test::EchoRequest request;
  request.set_code(99);
  test::EchoReply reply;
  absl::Status status = channel->Call(kSay, request, &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnknown) << status;
}

TEST(Channel, TimeoutTravelsAsRemainingMicroseconds) {
  std::mutex mu;
  std::vector<uint64_t> timeouts;
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      {
        std::lock_guard<std::mutex> lock(mu);
        timeouts.push_back(request->header.timeout_us());
      }
      connection.Reply(request->header.call_id(), test::EchoReply());
    }
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(Say(*channel, "connect first").ok());

  ClientContext relative;
  relative.set_timeout(absl::Seconds(5));
  ASSERT_TRUE(Say(*channel, "relative", &relative).ok());
  ClientContext absolute;
  absolute.set_deadline(absl::Now() + absl::Seconds(3));
  ASSERT_TRUE(Say(*channel, "absolute", &absolute).ok());
  ClientContext none;
  ASSERT_TRUE(Say(*channel, "none", &none).ok());

  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(timeouts.size(), 4u);
  EXPECT_EQ(timeouts[0], 0u);  // no context: no deadline
  EXPECT_LE(timeouts[1], 5'000'000u);
  EXPECT_GT(timeouts[1], 4'000'000u);
  EXPECT_LE(timeouts[2], 3'000'000u);
  EXPECT_GT(timeouts[2], 2'000'000u);
  EXPECT_EQ(timeouts[3], 0u);
}

TEST(Channel, RequestOverMaxFrameSizeIsRefusedWithoutSending) {
  std::mutex mu;
  std::vector<std::string> texts;
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      const test::EchoRequest parsed = ParseEchoRequest(*request);
      {
        std::lock_guard<std::mutex> lock(mu);
        texts.push_back(parsed.text());
      }
      connection.Reply(request->header.call_id(), EchoOf(parsed));
    }
  });
  ChannelOptions options;
  options.max_frame_size = 1024;
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);
  absl::StatusOr<test::EchoReply> big = Say(*channel, std::string(2000, 'b'));
  EXPECT_EQ(big.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(big.status().message().find(kSay), std::string::npos)
      << big.status();
  EXPECT_NE(big.status().message().find("1024"), std::string::npos)
      << big.status();
  ASSERT_TRUE(Say(*channel, "small").ok());
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(texts, std::vector<std::string>{"small"});
}

TEST(Channel, DestroyingTheChannelClosesTheConnection) {
  Event closed;
  auto server = StartServer([&](FakeConnection& connection) {
    absl::optional<ReceivedRequest> request = connection.Read();
    ASSERT_TRUE(request.has_value());
    connection.Reply(request->header.call_id(),
                     EchoOf(ParseEchoRequest(*request)));
    if (connection.WaitForClientClose()) closed.Notify();
  });
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(Say(*channel, "hi").ok());
  EXPECT_FALSE(closed.HasBeenNotified());
  channel.reset();
  EXPECT_TRUE(closed.WaitFor());
}

}  // namespace
}  // namespace framerpc
