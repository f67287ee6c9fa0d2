// A Channel over several endpoints (docs/api.md §5.3, "failing endpoints
// are skipped"): calls go to the endpoints that work while one refuses, a
// call fails at once naming every endpoint when none works, and a call that
// waits for ready takes the first endpoint that comes up. Real replicas,
// load balancing and DNS are in tests/reliability/fleet_test.cc.
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

using testing_support::CountingEchoScript;
using testing_support::FakeConnection;
using testing_support::FakeServer;
using testing_support::FreeLoopbackAddress;
using testing_support::MakeChannel;
using testing_support::Say;
using testing_support::StartServer;

bool Contains(const absl::Status& status, absl::string_view part) {
  return status.message().find(part) != absl::string_view::npos;
}

std::unique_ptr<FakeServer> StartCountingServer(std::atomic<int>* requests,
                                                absl::string_view address) {
  return StartServer(
      [requests](FakeConnection& connection) {
        CountingEchoScript(connection, requests);
      },
      address);
}

class ChannelEndpoints : public ::testing::TestWithParam<LoadBalancing> {};

TEST_P(ChannelEndpoints, ARefusingEndpointIsSkippedWhileAnotherWorks) {
  std::atomic<int> requests{0};
  std::unique_ptr<FakeServer> server =
      StartCountingServer(&requests, "127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  ChannelOptions options;
  options.load_balancing = GetParam();
  // The refusing address first, so that every policy meets it.
  std::shared_ptr<Channel> channel = MakeChannel(
      absl::StrCat("ipv4:", FreeLoopbackAddress(), ",", server->address()),
      options);
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 50; ++i) {
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    ASSERT_TRUE(Say(*channel, "hello", &context).ok()) << "call " << i;
  }
  EXPECT_EQ(requests, 50);
}

INSTANTIATE_TEST_SUITE_P(EveryPolicy, ChannelEndpoints,
                         ::testing::Values(LoadBalancing::kPickFirst,
                                           LoadBalancing::kRoundRobin,
                                           LoadBalancing::kLeastLoaded));

TEST(ChannelEndpointsFailure, NoEndpointWorkingFailsAtOnceNamingEach) {
  const std::string first = FreeLoopbackAddress();
  const std::string second = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel =
      MakeChannel(absl::StrCat("ipv4:", first, ",", second));
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 3; ++i) {
    const absl::Time start = absl::Now();
    const absl::Status status = Say(*channel, "hello").status();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
    EXPECT_LT(absl::Now() - start, absl::Seconds(2));
    // The first call tried both; later ones, while both wait out their
    // backoff, name what each endpoint last failed with.
    EXPECT_TRUE(Contains(status, first)) << status;
    EXPECT_TRUE(Contains(status, second)) << status;
  }
}

TEST(ChannelEndpointsFailure, WaitForReadyTakesTheFirstEndpointThatComesUp) {
  const std::string first = FreeLoopbackAddress();
  const std::string second = FreeLoopbackAddress();
  std::shared_ptr<Channel> channel =
      MakeChannel(absl::StrCat("ipv4:", first, ",", second));
  ASSERT_NE(channel, nullptr);
  std::atomic<int> requests{0};
  std::unique_ptr<FakeServer> server;
  std::thread starter([&] {
    absl::SleepFor(absl::Milliseconds(300));
    server = StartCountingServer(&requests, second);
  });
  ClientContext context;
  context.set_wait_for_ready(true);
  context.set_timeout(absl::Seconds(20));
  const absl::Time start = absl::Now();
  const absl::Status status = Say(*channel, "hello", &context).status();
  starter.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(requests, 1);
  // Within the backoff's largest step (1.2 s) of the server's start.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ChannelEndpointsFailure, AnAddressListedTwiceIsOneEndpoint) {
  std::atomic<int> requests{0};
  std::unique_ptr<FakeServer> server =
      StartCountingServer(&requests, "127.0.0.1:0");
  ASSERT_NE(server, nullptr);
  ChannelOptions options;
  // The enum is also reachable through ChannelOptions.
  options.load_balancing = ChannelOptions::LoadBalancing::kRoundRobin;
  std::shared_ptr<Channel> channel = MakeChannel(
      absl::StrCat("ipv4:", server->address(), ",", server->address()),
      options);
  ASSERT_NE(channel, nullptr);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(Say(*channel, "hello").ok());
  // One endpoint, so one connection: a second endpoint for the same
  // address would have opened another.
  EXPECT_EQ(server->connections_accepted(), 1);
}

}  // namespace
}  // namespace framerpc
