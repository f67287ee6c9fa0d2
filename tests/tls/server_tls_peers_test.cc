// A TLS Server against peers that do not complete a handshake: plaintext
// clients, garbage, a truncated or stalled ClientHello, and a server
// shutting down mid-handshake; and against many handshakes at once. The
// server must close the first promptly (or at tls.handshake_timeout), give
// back their connection slots, and go on serving everyone else.
#include <poll.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "tests/tls/server_tls_fixture.h"

namespace framerpc {
namespace test {
namespace {

TEST_F(ServerTls, PlaintextClientIsClosedPromptlyAndOthersServed) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  TestRequest request;
  request.set_text("plaintext");
  ExpectClosedAfterSending(
      address, EncodeRequest(1, TestService::Method("Echo"),
                                   request.SerializeAsString()));
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, GarbageIsClosedPromptlyAndOthersServed) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string garbages[] = {
      std::string(300, '\xff'),
      "GET / HTTP/1.1\r\nHost: x\r\n\r\n",
      std::string("\x16\x03\x01\xff\xff", 5) + std::string(64, '\0'),
  };
  for (const std::string& garbage : garbages) {
    ExpectClosedAfterSending(address, garbage);
  }
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, TruncatedClientHelloIsClosedPromptly) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  const std::string hello = ClientHello();
  ASSERT_GT(hello.size(), 20u);
  // And that is all it will ever send.
  ExpectClosedAfterSending(address, hello.substr(0, hello.size() / 2),
                           /*then_end=*/true);
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, FailedHandshakesGiveBackTheirConnectionSlots) {
  ServerOptions options = TlsOptions();
  options.max_connections = 1;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  for (int i = 0; i < 3; ++i) {
    ExpectClosedAfterSending(address, std::string(64, '\x01'));
  }
  absl::StatusOr<TestReply> reply = InspectOnce(address, ClientOptions());
  EXPECT_TRUE(reply.ok()) << reply.status();
}

TEST_F(ServerTls, ShutdownClosesHandshakesUnderWay) {
  const std::string address = StartServer(TlsOptions());
  ASSERT_FALSE(address.empty());
  absl::StatusOr<RawClient> stalled = ConnectStalledInHandshake(address);
  ASSERT_TRUE(stalled.ok()) << stalled.status();
  // The handshake has begun once a TLS client behind it is served.
  ASSERT_TRUE(InspectOnce(address, ClientOptions()).ok());
  const absl::Time begun = absl::Now();
  server_->Shutdown(absl::Seconds(5));
  server_->Wait();
  EXPECT_LT(absl::Now() - begun, absl::Seconds(2));
  EXPECT_TRUE(WaitForClose(stalled->fd(), absl::Now() + kPrompt));
}

TEST_F(ServerTls, StalledHandshakeIsClosedAfterHandshakeTimeout) {
  constexpr absl::Duration kTimeout = absl::Milliseconds(300);
  ServerOptions options = TlsOptions();
  options.tls.handshake_timeout = kTimeout;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  const absl::Time sent = absl::Now();
  absl::StatusOr<RawClient> loris = ConnectStalledInHandshake(address);
  ASSERT_TRUE(loris.ok()) << loris.status();
  // Meanwhile another client is served, call after call, on one connection.
  const absl::Time deadline = absl::Now() + kWait;
  auto other = TlsTestClient::Connect(address, ClientOptions(), deadline);
  ASSERT_TRUE(other.ok()) << other.status();
  int calls = 0;
  bool closed = false;
  while (!closed && absl::Now() < deadline) {
    TestRequest request;
    request.set_text("meanwhile");
    absl::StatusOr<RawResponse> response = (*other)->Call(
        static_cast<uint64_t>(++calls), TestService::Method("Echo"), request,
        deadline);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kOk);
    pollfd entry{loris->fd(), POLLIN, 0};
    closed = ::poll(&entry, 1, 10) > 0 &&
             WaitForClose(loris->fd(), absl::Now() + kPrompt);
  }
  const absl::Duration took = absl::Now() - sent;
  EXPECT_TRUE(closed);
  EXPECT_GE(took, kTimeout - absl::Milliseconds(20));
  EXPECT_LT(took, kTimeout + absl::Seconds(3));
  EXPECT_GT(calls, 1);
}

TEST_F(ServerTls, TwoHundredConcurrentHandshakesAllSucceed) {
  ServerOptions options = TlsOptions();
  options.num_loops = 2;
  const std::string address = StartServer(options);
  ASSERT_FALSE(address.empty());
  constexpr int kClients = 200;
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<int> succeeded{0};
  std::vector<std::string> failures(kClients);
  std::vector<std::thread> threads;
  const TlsTestClientOptions client_options = ClientOptions();
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      ready.fetch_add(1);
      const absl::Time give_up = absl::Now() + kWait;
      while (!go.load() && absl::Now() < give_up) std::this_thread::yield();
      absl::StatusOr<TestReply> reply =
          InspectOnce(address, client_options, absl::StrCat("client ", i));
      if (reply.ok() && reply->text() == absl::StrCat("client ", i)) {
        succeeded.fetch_add(1);
      } else {
        failures[i] = reply.ok() ? reply->text() : reply.status().ToString();
      }
    });
  }
  const absl::Time give_up = absl::Now() + kWait;
  while (ready.load() < kClients && absl::Now() < give_up) {
    std::this_thread::yield();
  }
  go.store(true);
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kClients);
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(failures[i], "") << "client " << i;
  }
}

}  // namespace
}  // namespace test
}  // namespace framerpc
