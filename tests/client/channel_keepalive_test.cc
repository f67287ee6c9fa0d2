// Dead-peer detection (docs/api.md §5.3): with calls in flight and the
// server silent for keepalive_time, the channel pings; with no byte within
// keepalive_timeout after that, the connection is dead and its calls fail
// UNAVAILABLE, even calls without a deadline. Idle connections are not
// pinged.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/channel.h"
#include "gtest/gtest.h"
#include "tests/client/blackhole_proxy.h"
#include "tests/client/echo_scripts.h"

namespace framerpc {
namespace {

using testing_support::BlackholeProxy;
using testing_support::EchoOf;
using testing_support::FakeConnection;
using testing_support::MakeChannel;
using testing_support::ParseEchoRequest;
using testing_support::ReceivedRequest;
using testing_support::Say;
using testing_support::StartServer;

constexpr char kPingMethod[] = "framerpc.Control/Ping";
constexpr absl::Duration kKeepaliveTime = absl::Milliseconds(200);
constexpr absl::Duration kKeepaliveTimeout = absl::Milliseconds(200);
// Room for sanitizer builds on a loaded machine.
constexpr absl::Duration kSlack = absl::Seconds(2);

ChannelOptions KeepaliveOptions() {
  ChannelOptions options;
  options.keepalive_time = kKeepaliveTime;
  options.keepalive_timeout = kKeepaliveTimeout;
  return options;
}

// When each ping arrived.
struct PingLog {
  std::mutex mu;
  std::vector<absl::Time> arrivals;
  int CountBetween(absl::Time from, absl::Time to) {
    std::lock_guard<std::mutex> lock(mu);
    return static_cast<int>(std::count_if(
        arrivals.begin(), arrivals.end(),
        [&](absl::Time t) { return t >= from && t <= to; }));
  }
};

// Answers pings at once (OK, no payload), counts and logs them; echoes
// calls whose text does not start with "hold", and holds the others until
// `pings_before_answer` pings have come since.
void PingingScript(FakeConnection& connection, std::atomic<int>* pings,
                   int pings_before_answer = 0, PingLog* log = nullptr) {
  absl::optional<ReceivedRequest> held;
  int pings_since_held = 0;
  while (absl::optional<ReceivedRequest> request = connection.Read()) {
    if (request->header.method() == kPingMethod) {
      EXPECT_TRUE(request->payload.empty());
      if (log != nullptr) {
        std::lock_guard<std::mutex> lock(log->mu);
        log->arrivals.push_back(absl::Now());
      }
      ++*pings;
      wire::Response ok;
      ok.set_call_id(request->header.call_id());
      connection.Send(ok);
      if (held && ++pings_since_held >= pings_before_answer) {
        connection.Reply(held->header.call_id(),
                         EchoOf(ParseEchoRequest(*held)));
        held.reset();
      }
      continue;
    }
    const test::EchoRequest parsed = ParseEchoRequest(*request);
    if (parsed.text().rfind("hold", 0) == 0) {
      held = std::move(request);
      pings_since_held = 0;
      continue;
    }
    connection.Reply(request->header.call_id(), EchoOf(parsed));
  }
}

TEST(ChannelKeepalive, VanishedPeerFailsACallWithoutDeadline) {
  std::atomic<int> pings{0};
  auto server = StartServer(
      [&](FakeConnection& connection) { PingingScript(connection, &pings); });
  absl::StatusOr<std::unique_ptr<BlackholeProxy>> proxy =
      BlackholeProxy::Start(server->address());
  ASSERT_TRUE(proxy.ok()) << proxy.status();
  std::shared_ptr<Channel> channel =
      MakeChannel((*proxy)->address(), KeepaliveOptions());
  ASSERT_TRUE(Say(*channel, "through the proxy").ok());

  (*proxy)->Blackhole();
  const absl::Time start = absl::Now();
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "into the void");
  const absl::Duration elapsed = absl::Now() - start;
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  EXPECT_NE(reply.status().message().find("keepalive"),
            absl::string_view::npos)
      << reply.status();
  // A ping after the silence, then the timeout: not before, not much after.
  EXPECT_GE(elapsed, kKeepaliveTime + kKeepaliveTimeout -
                         absl::Milliseconds(20));
  EXPECT_LT(elapsed, kKeepaliveTime + kKeepaliveTimeout + kSlack);
}

TEST(ChannelKeepalive, PingAnswersKeepASlowCallAlive) {
  std::atomic<int> pings{0};
  // The call is answered only after three pings: 600 ms and more, three
  // times keepalive_timeout.
  auto server = StartServer([&](FakeConnection& connection) {
    PingingScript(connection, &pings, /*pings_before_answer=*/3);
  });
  ChannelOptions options = KeepaliveOptions();
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);
  ClientContext context;
  context.set_timeout(absl::Seconds(20));
  absl::StatusOr<test::EchoReply> reply = Say(*channel, "hold on", &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "hold on");
  EXPECT_GE(pings.load(), 3);
  EXPECT_EQ(server->connections_accepted(), 1);
}

TEST(ChannelKeepalive, IdleConnectionIsNotPinged) {
  std::atomic<int> pings{0};
  PingLog log;
  auto server = StartServer([&](FakeConnection& connection) {
    PingingScript(connection, &pings, 0, &log);
  });
  ChannelOptions options;
  options.keepalive_time = absl::Milliseconds(20);
  options.keepalive_timeout = absl::Milliseconds(20);
  std::shared_ptr<Channel> channel = MakeChannel(server->address(), options);
  ASSERT_TRUE(Say(*channel, "before").ok());
  // Idle for many keepalive periods: nobody pings, nothing fails. (A ping
  // sent while the call above was in flight, on a slow machine, may still
  // be arriving at first: the window starts a little later.)
  const absl::Time idle_from = absl::Now() + absl::Milliseconds(100);
  absl::SleepFor(absl::Milliseconds(400));
  const absl::Time idle_to = absl::Now();
  EXPECT_EQ(log.CountBetween(idle_from, idle_to), 0);
  ASSERT_TRUE(Say(*channel, "after").ok());
  EXPECT_EQ(server->connections_accepted(), 1);
}

}  // namespace
}  // namespace framerpc
