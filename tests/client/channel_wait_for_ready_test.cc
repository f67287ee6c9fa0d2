// With no server reachable a call fails UNAVAILABLE at once, unless its
// context says set_wait_for_ready(true): then it keeps trying, spaced by
// the channel's reconnect backoff, until its deadline (docs/api.md §5.3).
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::EchoScript;
using testing_support::FakeServer;
using testing_support::FreeLoopbackAddress;
using testing_support::MakeChannel;
using testing_support::Say;
using testing_support::StartServer;

// How late past its deadline a call may return, and how long "at once"
// may take: generous, for sanitizer builds on a loaded machine.
constexpr absl::Duration kSlack = absl::Seconds(4);

absl::Status CallWithin(Channel& channel, absl::Duration timeout,
                        bool wait_for_ready) {
  ClientContext context;
  context.set_timeout(timeout);
  context.set_wait_for_ready(wait_for_ready);
  return Say(channel, "anyone?", &context).status();
}

TEST(ChannelWaitForReady, IsOffByDefault) {
  EXPECT_FALSE(ClientContext().wait_for_ready());
  ClientContext context;
  context.set_wait_for_ready(true);
  EXPECT_TRUE(context.wait_for_ready());
}

TEST(ChannelWaitForReady, FailsFastWithNothingListening) {
  const std::string target = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel = MakeChannel(target);
  // Every call fails at once, long before its deadline, however many
  // failed before it.
  for (int i = 0; i < 5; ++i) {
    const absl::Time start = absl::Now();
    absl::Status status = CallWithin(*channel, absl::Seconds(60), false);
    EXPECT_LT(absl::Now() - start, kSlack);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_NE(status.message().find("Connection refused"),
              absl::string_view::npos)
        << status;
  }
}

TEST(ChannelWaitForReady, FirstCallAfterTheServerListensAgainSucceeds) {
  const std::string target = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel = MakeChannel(target);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(CallWithin(*channel, absl::Seconds(60), false).code(),
              absl::StatusCode::kUnavailable);
  }
  // The backoff the failures built up does not hold back a call that
  // fails fast: it tries itself.
  std::unique_ptr<FakeServer> server = StartServer(EchoScript, target);
  ASSERT_NE(server, nullptr);
  const absl::Status status = CallWithin(*channel, absl::Seconds(60), false);
  EXPECT_TRUE(status.ok()) << status;
}

TEST(ChannelWaitForReady, WaitsAndSucceedsWhenTheServerStartsListening) {
  const std::string target = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel = MakeChannel(target);
  std::atomic<bool> done{false};
  absl::Status status = absl::UnknownError("not run");
  std::thread caller([&] {
    status = CallWithin(*channel, absl::Seconds(30), true);
    done = true;
  });
  // Long enough for several refused attempts: the call is still waiting.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_FALSE(done.load());
  std::unique_ptr<FakeServer> server = StartServer(EchoScript, target);
  ASSERT_NE(server, nullptr);
  const absl::Time listening = absl::Now();
  caller.join();
  // Within the largest backoff step (1 s, +20 %) of the server's start.
  EXPECT_LT(absl::Now() - listening, absl::Milliseconds(1200) + kSlack);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(ChannelWaitForReady, EndsDeadlineExceededAtTheDeadlineWithNoServer) {
  const std::string target = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel = MakeChannel(target);
  const absl::Time start = absl::Now();
  absl::Status status = CallWithin(*channel, absl::Milliseconds(300), true);
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_NE(status.message().find("Connection refused"),
            absl::string_view::npos)
      << status;
  EXPECT_GE(elapsed, absl::Milliseconds(300));
  EXPECT_LT(elapsed, absl::Milliseconds(300) + kSlack);
}

}  // namespace
}  // namespace framerpc
