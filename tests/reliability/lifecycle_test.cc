// The connection lifecycle seen through a real Channel and Server (wire
// protocol version 2): a server closing an idle connection, or restarting
// with a grace period, costs the caller no call. The server first sends a
// drain notice and answers what it reads after it with not_processed; the
// Channel sends such calls again on a new connection (docs/api.md, "What a
// caller can count on").
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server_fixture.h"

namespace framerpc::e2e {
namespace {

// Calls Echo once; on failure records why, naming `what`.
bool EchoOnce(TestService::Stub& stub, const std::string& text,
              ClientContext* context, std::string* peer,
              std::string* failure) {
  EchoRequest request;
  request.set_text(text);
  absl::StatusOr<EchoReply> reply = stub.Echo(request, context);
  if (!reply.ok()) {
    *failure = absl::StrCat(text, ": ", reply.status().ToString());
    return false;
  }
  if (reply->text() != text) {
    *failure = absl::StrCat(text, ": got the reply of ", reply->text());
    return false;
  }
  if (peer != nullptr) *peer = reply->peer();
  return true;
}

TEST(Lifecycle, IdleClosesNeverFailTheNextCall) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(40);
  ServerFixture fixture("127.0.0.1:0", options);
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  // Gaps from under to over the timeout, so that some calls are written
  // just as the server decides the connection is idle and drains it.
  constexpr int kCalls = 80;
  std::set<std::string> peers;
  int failures = 0;
  for (int i = 0; i < kCalls; ++i) {
    absl::SleepFor(absl::Milliseconds(25 + (i % 9) * 5));  // 25..65 ms
    auto context = BoundedContext(absl::Seconds(10));
    std::string peer, failure;
    if (EchoOnce(stub, absl::StrCat("after gap ", i), context.get(), &peer,
                 &failure)) {
      peers.insert(peer);
    } else {
      ++failures;
      ADD_FAILURE() << failure;
    }
  }
  EXPECT_EQ(failures, 0);
  // The server did close idle connections: the calls came from many.
  EXPECT_GT(peers.size(), 10u);
}

TEST(Lifecycle, GracefulRestartsUnderLoadFailNoCall) {
  // The same port across restarts: the first server picks it.
  auto service = std::make_unique<TestServiceImpl>();
  auto server = std::make_unique<Server>(ServerOptions());
  ASSERT_TRUE(server->AddService(service.get()).ok());
  ASSERT_TRUE(server->Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server->Start().ok());
  const int port = server->port();
  const std::string target = absl::StrCat("127.0.0.1:", port);
  auto channel = Channel::Create(target);
  ASSERT_TRUE(channel.ok()) << channel.status();

  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      TestService::Stub stub(*channel);
      for (int i = 0; !stop.load(); ++i) {
        // Nothing listens for a moment between two servers: a call that
        // must not fail then waits for one (wait_for_ready), within its
        // deadline.
        auto context = BoundedContext(absl::Seconds(10));
        context->set_wait_for_ready(true);
        std::string failure;
        if (EchoOnce(stub, absl::StrCat("t", t, " c", i), context.get(),
                     nullptr, &failure)) {
          ++ok;
        } else {
          ++failed;
          ADD_FAILURE() << failure;
        }
      }
    });
  }
  constexpr int kRestarts = 5;
  absl::Status restarted;
  for (int r = 0; r < kRestarts && restarted.ok(); ++r) {
    absl::SleepFor(absl::Milliseconds(150));
    server->Shutdown(absl::Seconds(2));
    server->Wait();
    server = std::make_unique<Server>(ServerOptions());
    restarted = server->AddService(service.get());
    if (restarted.ok()) {
      restarted = server->Listen(absl::StrCat("127.0.0.1:", port));
    }
    if (restarted.ok()) restarted = server->Start();
  }
  absl::SleepFor(absl::Milliseconds(150));
  stop.store(true);
  for (std::thread& caller : callers) caller.join();
  server->Shutdown(absl::Seconds(2));
  server->Wait();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), kThreads * kRestarts);
}

}  // namespace
}  // namespace framerpc::e2e
