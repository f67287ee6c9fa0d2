// End-to-end tests of ServerOptions::num_loops: connections spread over
// several poll loops, each loop serving its own, with the server-wide
// guarantees (limits, shutdown) unchanged. (Which loop runs which
// connection's inline calls: server_inline_test.cc.)
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

// With one loop, an inline handler that blocks stalls every connection
// (the trade-off ServiceOptions::inline_handlers documents). With two, the
// loops take connections in turn, so the second connection is on the
// other loop and is answered while the first one's handler blocks.
TEST(ServerLoops, ABlockedLoopDoesNotStallConnectionsOfAnother) {
  ServerOptions options;
  options.num_loops = 2;
  ServiceOptions inline_handlers;
  inline_handlers.inline_handlers = true;
  ServerHarness harness(options, inline_handlers);
  absl::StatusOr<RawClient> first = harness.StartAndConnect();
  ASSERT_TRUE(first.ok()) << first.status();
  absl::StatusOr<RawClient> second = harness.Connect();
  ASSERT_TRUE(second.ok()) << second.status();

  ASSERT_TRUE(
      first->Send(1, TestService::Method("Block"), MakeRequest("held")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  const absl::Time start = absl::Now();
  absl::StatusOr<RawResponse> echo = CallOnce(
      *second, 1, TestService::Method("Echo"), MakeRequest("other loop"));
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->code(), absl::StatusCode::kOk);
  EXPECT_EQ(ParseReply(*echo).text(), "other loop");
  std::printf("answered beside a blocked loop in %s\n",
              absl::FormatDuration(absl::Now() - start).c_str());

  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> held = first->Read();
  ASSERT_TRUE(held.ok() && held->has_value());
  EXPECT_EQ(ParseReply(**held).text(), "held");
}

// Shutdown lets the calls running on every loop's connections finish
// within the grace, and every client gets its answer.
TEST(ServerLoops, ShutdownDrainsTheConnectionsOfEveryLoop) {
  ServerOptions options;
  options.num_loops = 3;
  options.num_workers = 3;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  std::vector<RawClient> clients;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    ASSERT_TRUE(
        client->Send(1, TestService::Method("Block"), MakeRequest("done"))
            .ok());
    clients.push_back(*std::move(client));
  }
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(3, kWait));
  std::thread shutdown([&] { harness.server().Shutdown(kWait); });
  // Stopping has begun (no new connection is served) before the handlers
  // are let go.
  absl::SleepFor(absl::Milliseconds(50));
  harness.service().gate().Open();
  for (RawClient& client : clients) {
    // Each was told first that the server is draining.
    ASSERT_TRUE(ReadDrainNotice(client).ok());
    absl::StatusOr<absl::optional<RawResponse>> answer = client.Read();
    ASSERT_TRUE(answer.ok() && answer->has_value());
    EXPECT_EQ((*answer)->code(), absl::StatusCode::kOk);
    EXPECT_EQ(ParseReply(**answer).text(), "done");
    EXPECT_TRUE(client.ReadsEndOfStream());
  }
  shutdown.join();
}

TEST(ServerLoops, NegativeLoopCountIsRefusedByStart) {
  ServerOptions options;
  options.num_loops = -1;
  Server server(options);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  absl::Status start = server.Start();
  EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(start.message()),
              HasSubstr("ServerOptions::num_loops is -1"));
}

}  // namespace
}  // namespace test
}  // namespace framerpc
