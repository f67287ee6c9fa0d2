// ChannelOptions::max_connections: a call takes a connection of its own
// while the pool has room, shares the least busy one when it has none, and
// a lone caller keeps reusing one connection.
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

// Calls that stay in flight (held at the server's gate) and the peer
// address each was served from, which names the connection it used.
class HeldCalls {
 public:
  HeldCalls(ServerFixture* fixture, TestService::Stub stub)
      : fixture_(fixture), stub_(std::move(stub)) {}
  ~HeldCalls() { Release(); }

  // Starts one more held call and waits until the server holds it.
  void Add() {
    threads_.emplace_back([this] {
      EchoRequest request;
      request.set_wait_for_gate(true);
      auto context = BoundedContext();
      absl::StatusOr<EchoReply> reply = stub_.Echo(request, context.get());
      EXPECT_TRUE(reply.ok()) << reply.status();
      if (reply.ok()) {
        std::lock_guard<std::mutex> lock(mu_);
        peers_.insert(reply->peer());
      }
    });
    ASSERT_TRUE(fixture_->service().AwaitWaiters(
        static_cast<int>(threads_.size()), absl::Seconds(20)));
  }

  // Lets every held call finish; returns the distinct peers they used.
  std::set<std::string> Release() {
    fixture_->service().OpenGate();
    for (std::thread& thread : threads_) thread.join();
    threads_.clear();
    std::lock_guard<std::mutex> lock(mu_);
    return peers_;
  }

 private:
  ServerFixture* const fixture_;
  TestService::Stub stub_;
  std::vector<std::thread> threads_;
  std::mutex mu_;
  std::set<std::string> peers_;
};

std::string PeerOfOneCall(TestService::Stub& stub) {
  EchoRequest request;
  request.set_text("which connection");
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
  EXPECT_TRUE(reply.ok()) << reply.status();
  return reply.ok() ? reply->peer() : "";
}

// A stub on a new Channel to `fixture` that may open `max_connections`.
TestService::Stub StubWithPool(ServerFixture& fixture, int max_connections) {
  ChannelOptions options;
  options.max_connections = max_connections;
  return TestService::Stub(fixture.NewChannel(options));
}

TEST(ChannelPool, EachCallInFlightGetsAConnectionUpToTheLimit) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub = StubWithPool(fixture, 3);
  HeldCalls held(&fixture, stub);
  for (int i = 0; i < 3; ++i) held.Add();
  // All three connections busy: a fourth call shares one of them.
  const std::string shared = PeerOfOneCall(stub);
  const std::set<std::string> peers = held.Release();
  EXPECT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers.count(shared), 1u) << shared;
}

TEST(ChannelPool, ByDefaultEveryCallSharesOneConnection) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());  // default options
  HeldCalls held(&fixture, stub);
  for (int i = 0; i < 3; ++i) held.Add();
  EXPECT_EQ(held.Release().size(), 1u);
}

TEST(ChannelPool, MaxConnectionsBelowOneMeansOne) {
  for (const int max_connections : {0, -1}) {
    ServerFixture fixture("127.0.0.1:0");  // its gate opens only once
    ASSERT_TRUE(fixture.status().ok()) << fixture.status();
    TestService::Stub stub = StubWithPool(fixture, max_connections);
    HeldCalls held(&fixture, stub);
    for (int i = 0; i < 3; ++i) held.Add();
    EXPECT_EQ(held.Release().size(), 1u)
        << "max_connections " << max_connections;
  }
}

TEST(ChannelPool, OneCallerAtATimeReusesOneConnection) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub = StubWithPool(fixture, 4);
  std::set<std::string> peers;
  for (int i = 0; i < 10; ++i) peers.insert(PeerOfOneCall(stub));
  EXPECT_EQ(peers.size(), 1u);
}

TEST(ChannelPool, AConnectionTheServerClosedIsReplaced) {
  ServerOptions server_options;
  server_options.idle_timeout = absl::Milliseconds(50);
  ServerFixture fixture("127.0.0.1:0", server_options);
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub = StubWithPool(fixture, 2);
  const std::string first = PeerOfOneCall(stub);
  // The server closes the idle connection; the next calls find it broken,
  // drop it from the pool and open another.
  absl::SleepFor(absl::Milliseconds(300));
  std::string later;
  for (int i = 0; i < 3 && (later.empty() || later == first); ++i) {
    EchoRequest request;
    auto context = BoundedContext();
    absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
    if (reply.ok()) later = reply->peer();
  }
  EXPECT_FALSE(later.empty());
  EXPECT_NE(later, first);
}

TEST(ChannelPool, ManyThreadsOverAPoolGetTheirOwnReplies) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub = StubWithPool(fixture, 3);
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 300;
  std::atomic<int> matched{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestService::Stub my_stub = stub;
      for (int i = 0; i < kCallsPerThread; ++i) {
        EchoRequest request;
        request.set_text(absl::StrCat("thread ", t, " call ", i));
        auto context = BoundedContext();
        absl::StatusOr<EchoReply> reply = my_stub.Echo(request, context.get());
        if (reply.ok() && reply->text() == request.text()) {
          ++matched;
        } else {
          ADD_FAILURE() << request.text() << ": "
                        << (reply.ok() ? reply->text()
                                       : reply.status().ToString());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(matched.load(), kThreads * kCallsPerThread);
}

}  // namespace
}  // namespace framerpc::e2e
