// End-to-end tests of Server::Shutdown and Wait: the drain notice, grace for
// calls in flight, UNAVAILABLE and not_processed for calls never started,
// idempotence across threads, and that
// nothing (descriptor, thread, socket file) outlives the server.
#include <errno.h>
#include <sys/socket.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
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

// Bounded wait until connecting to `address` is refused: the listener is
// closed, so Shutdown has begun. Connections that still get through are
// closed again at once.
bool WaitUntilRefused(const std::string& address) {
  const absl::Time deadline = absl::Now() + kWait;
  while (absl::Now() < deadline) {
    absl::StatusOr<RawClient> probe = RawClient::Connect(address);
    if (!probe.ok())
      return probe.status().code() == absl::StatusCode::kUnavailable;
    std::this_thread::yield();
  }
  return false;
}

TEST(ServerShutdown, WaitWithoutStartReturnsAtOnce) {
  Server server;
  server.Wait();
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  server.Wait();
  server.Shutdown();
  server.Wait();
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(ServerShutdown, ShutdownTwiceAndFromOtherThreads) {
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  std::thread waiter([&] { harness.server().Wait(); });
  std::thread first([&] { harness.server().Shutdown(absl::Seconds(1)); });
  std::thread second([&] { harness.server().Shutdown(); });
  first.join();
  second.join();
  waiter.join();
  harness.server().Shutdown();
  harness.server().Wait();
  EXPECT_FALSE(harness.Connect().ok());
}

TEST(ServerShutdown, IdleServerDoesNotWaitOutTheGrace) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // A call makes sure the server has accepted the connection (one still in
  // the listen backlog is reset by the kernel when the listener closes).
  ASSERT_TRUE(
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("")).ok());
  const absl::Time start = absl::Now();
  harness.server().Shutdown(absl::Hours(1));
  EXPECT_LT(absl::Now() - start, kWait);
  EXPECT_TRUE(ReadDrainNotice(*client).ok());
  EXPECT_TRUE(client->ReadsEndOfStream());
}

TEST(ServerShutdown, GraceLetsRunningAndQueuedCallsFinish) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, 1, 10, "running");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(
      client->Send(2, TestService::Method("Echo"), MakeRequest("queued")).ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 3).ok());  // call 2 is queued

  std::thread stopper([&] { harness.server().Shutdown(kWait); });
  ASSERT_TRUE(WaitUntilRefused(harness.address()));
  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  harness.service().gate().Open();

  std::multiset<std::string> texts;
  for (int i = 0; i < 1 + *held; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->code(), absl::StatusCode::kOk)
        << (*response)->header.message();
    texts.insert(ParseReply(**response).text());
  }
  EXPECT_EQ(texts.count("running"), static_cast<size_t>(*held));
  EXPECT_EQ(texts.count("queued"), 1u);
  EXPECT_TRUE(client->ReadsEndOfStream());
  stopper.join();
}

TEST(ServerShutdown, CallsNotStartedWhenTheGraceEndsAreUnavailable) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> held = HoldEveryHandlerThread(harness, *client, 1, 10, "");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(
      client->Send(2, TestService::Method("Count"), MakeRequest("")).ok());
  ASSERT_TRUE(
      client->Send(3, TestService::Method("Count"), MakeRequest("")).ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 4).ok());  // 2 and 3 are queued

  std::atomic<bool> returned{false};
  std::thread stopper([&] {
    harness.server().Shutdown(absl::Milliseconds(50));
    returned = true;
  });
  // The drain notice first. Calls 2 and 3 never started: UNAVAILABLE, not
  // processed. The held calls are still running when the grace ends, so
  // their connection closes without their answers (their caller sees
  // UNAVAILABLE).
  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  std::set<uint64_t> unavailable;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->code(), absl::StatusCode::kUnavailable);
    EXPECT_TRUE((*response)->header.not_processed());
    EXPECT_THAT((*response)->header.message(), HasSubstr("shutting down"));
    unavailable.insert((*response)->header.call_id());
  }
  EXPECT_EQ(unavailable, (std::set<uint64_t>{2, 3}));
  EXPECT_TRUE(client->ReadsEndOfStream());
  // Shutdown joins the workers, so it returns only after the handler.
  EXPECT_FALSE(returned.load());
  harness.service().gate().Open();
  stopper.join();
  EXPECT_TRUE(returned.load());
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerShutdown, RequestsBufferedButNotDispatchedAreUnavailable) {
  ServerOptions options;
  options.max_calls_per_connection = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // With one call allowed, call 2 waits in the input buffer while 1 runs.
  ASSERT_TRUE(
      client
          ->SendRaw(EncodeRequest(1, TestService::Method("Block"),
                                  MakeRequest("1").SerializeAsString()) +
                    EncodeRequest(2, TestService::Method("Count"),
                                  MakeRequest("2").SerializeAsString()))
          .ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  std::thread stopper([&] { harness.server().Shutdown(kWait); });
  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  absl::StatusOr<absl::optional<RawResponse>> first = client->Read();
  ASSERT_TRUE(first.ok() && first->has_value()) << first.status();
  EXPECT_EQ((*first)->header.call_id(), 2u);
  EXPECT_EQ((*first)->code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE((*first)->header.not_processed());
  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> second = client->Read();
  ASSERT_TRUE(second.ok() && second->has_value()) << second.status();
  EXPECT_EQ((*second)->header.call_id(), 1u);
  EXPECT_EQ((*second)->code(), absl::StatusCode::kOk);
  EXPECT_TRUE(client->ReadsEndOfStream());
  stopper.join();
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerShutdown, ManyCallsInFlightEachGetOkOrUnavailable) {
  ServerOptions options;
  options.num_workers = 2;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  constexpr int kClients = 4;
  constexpr int kCallsEach = 25;
  std::vector<RawClient> clients;
  for (int c = 0; c < kClients; ++c) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    // Accepted before the listener closes (see
    // IdleServerDoesNotWaitOutTheGrace).
    ASSERT_TRUE(
        CallOnce(*client, 1000, TestService::Method("Echo"), MakeRequest(""))
            .ok());
    clients.push_back(*std::move(client));
  }
  for (RawClient& client : clients) {
    std::string burst;
    for (int i = 1; i <= kCallsEach; ++i) {
      burst += EncodeRequest(
          i, TestService::Method(i % 5 == 0 ? "Block" : "Concurrent"),
          MakeRequest("").SerializeAsString());
    }
    ASSERT_TRUE(client.SendRaw(burst).ok());
  }
  std::thread stopper(
      [&] { harness.server().Shutdown(absl::Milliseconds(100)); });
  std::thread opener([&] {
    harness.service().gate().WaitForArrivals(1, kWait);
    harness.service().gate().Open();
  });
  for (RawClient& client : clients) {
    std::set<uint64_t> answered;
    while (true) {
      absl::StatusOr<absl::optional<RawResponse>> response = client.Read();
      EXPECT_TRUE(response.ok()) << response.status();
      if (!response.ok() || !response->has_value())
        break;  // the rest fail UNAVAILABLE at the caller
      if (IsDrainNotice(**response)) continue;
      const absl::StatusCode code = (*response)->code();
      EXPECT_TRUE(code == absl::StatusCode::kOk ||
                  code == absl::StatusCode::kUnavailable)
          << (*response)->header.message();
      EXPECT_TRUE(answered.insert((*response)->header.call_id()).second);
    }
  }
  opener.join();
  stopper.join();
}

TEST(ServerShutdown, LeavesNoDescriptorOrThreadBehind) {
  // TSan starts a helper thread at the process's first pthread_create:
  // have that happen before counting.
  std::thread([] {}).join();
  const int fds_before = CountOpenFds();
  const int threads_before = CountThreads();
  {
    ServerOptions options;
    options.num_workers = 3;
    ServerHarness harness(options);
    ASSERT_TRUE(harness.Start().ok());
    std::vector<RawClient> clients;
    for (int i = 0; i < 5; ++i) {
      absl::StatusOr<RawClient> client = harness.Connect();
      ASSERT_TRUE(client.ok());
      absl::StatusOr<RawResponse> response =
          CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x"));
      ASSERT_TRUE(response.ok());
      clients.push_back(*std::move(client));
    }
    clients[0].Close();
    clients[1].Close();
    EXPECT_GT(CountOpenFds(), fds_before);
    EXPECT_GT(CountThreads(), threads_before);
    harness.server().Shutdown(absl::Seconds(1));
    for (RawClient& client : clients) {
      if (client.fd() >= 0) {
        EXPECT_TRUE(ReadDrainNotice(client).ok());
        EXPECT_TRUE(client.ReadsEndOfStream());
      }
    }
  }
  EXPECT_EQ(CountOpenFds(), fds_before);
  EXPECT_EQ(CountThreads(), threads_before);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
