// ChannelOptions::default_timeout: the deadline of calls whose context sets
// none (docs/api.md §5.2), and the checks Channel::Create makes on the
// duration options.
#include <atomic>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoOf;
using testing_support::FakeConnection;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

// How late past its deadline a call may return: generous, for sanitizer
// builds on a loaded machine, yet far below "never".
constexpr absl::Duration kSlack = absl::Seconds(4);

// Reads requests and never answers them, recording each one's timeout,
// until the client closes the connection.
struct SilentServer {
  std::atomic<uint64_t> last_timeout_us{0};
  std::atomic<int> requests{0};
  std::unique_ptr<testing_support::FakeServer> server =
      StartServer([this](FakeConnection& connection) {
        while (absl::optional<ReceivedRequest> request = connection.Read()) {
          last_timeout_us = request->header.timeout_us();
          ++requests;
        }
      });
};

TEST(ChannelDefaultTimeout, AppliesToCallsWithoutContext) {
  SilentServer silent;
  ChannelOptions options;
  options.default_timeout = absl::Milliseconds(200);
  std::shared_ptr<Channel> channel =
      MakeChannel(silent.server->address(), options);
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "no context");
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded)
      << reply.status();
  EXPECT_NE(reply.status().message().find("deadline exceeded after 200ms"),
            absl::string_view::npos)
      << reply.status();
  EXPECT_GE(elapsed, absl::Milliseconds(200));
  EXPECT_LT(elapsed, absl::Milliseconds(200) + kSlack);
  // The server was told the same deadline.
  EXPECT_GT(silent.last_timeout_us.load(), 100'000u);
  EXPECT_LE(silent.last_timeout_us.load(), 200'000u);
}

TEST(ChannelDefaultTimeout, AppliesToContextsThatSetNone) {
  SilentServer silent;
  ChannelOptions options;
  options.default_timeout = absl::Milliseconds(150);
  std::shared_ptr<Channel> channel =
      MakeChannel(silent.server->address(), options);
  ClientContext context;
  context.AddMetadata("x-trace", "abc");  // a context, but no deadline
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "no deadline", &context);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded)
      << reply.status();
  EXPECT_GE(elapsed, absl::Milliseconds(150));
  EXPECT_LT(elapsed, absl::Milliseconds(150) + kSlack);
}

TEST(ChannelDefaultTimeout, ContextDeadlineWinsEvenWhenLater) {
  std::atomic<uint64_t> timeout_us{0};
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      timeout_us = request->header.timeout_us();
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)));
    }
  });
  ChannelOptions options;
  options.default_timeout = absl::Milliseconds(100);
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);
  ClientContext context;
  context.set_timeout(absl::Seconds(30));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "long", &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_GT(timeout_us.load(), 20'000'000u);  // the context's 30 s, not 100 ms

  ClientContext absolute;
  absolute.set_deadline(absl::Now() + absl::Seconds(30));
  ASSERT_TRUE(Say(*channel, "absolute", &absolute).ok());
  EXPECT_GT(timeout_us.load(), 20'000'000u);
}

TEST(ChannelDefaultTimeout, DefaultIsInfinite) {
  std::atomic<uint64_t> timeout_us{1};
  auto server = StartServer([&](FakeConnection& connection) {
    while (absl::optional<ReceivedRequest> request = connection.Read()) {
      timeout_us = request->header.timeout_us();
      connection.Reply(request->header.call_id(),
                       EchoOf(ParseEchoRequest(*request)));
    }
  });
  EXPECT_EQ(ChannelOptions().default_timeout, absl::InfiniteDuration());
  EXPECT_EQ(ChannelOptions().keepalive_time, absl::Seconds(30));
  EXPECT_EQ(ChannelOptions().keepalive_timeout, absl::Seconds(10));
  std::shared_ptr<Channel> channel = MakeChannel(server->address());
  ASSERT_TRUE(Say(*channel, "no deadline").ok());
  EXPECT_EQ(timeout_us.load(), 0u);  // "no deadline" on the wire
}

TEST(ChannelOptionsCheck, NonPositiveDurationsAreInvalid) {
  struct Case {
    const char* name;
    absl::Duration ChannelOptions::*field;
  };
  for (const Case& c : {Case{"default_timeout", &ChannelOptions::default_timeout},
                        Case{"keepalive_time", &ChannelOptions::keepalive_time},
                        Case{"keepalive_timeout",
                             &ChannelOptions::keepalive_timeout}}) {
    for (absl::Duration value : {absl::ZeroDuration(), absl::Seconds(-1)}) {
      ChannelOptions options;
      options.*(c.field) = value;
      absl::StatusOr<std::shared_ptr<Channel>> channel =
          Channel::Create("127.0.0.1:1", options);
      EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument)
          << c.name;
      EXPECT_NE(channel.status().message().find(
                    absl::StrCat(c.name, " must be positive")),
                absl::string_view::npos)
          << channel.status();
    }
  }
}

}  // namespace
}  // namespace framerpc
