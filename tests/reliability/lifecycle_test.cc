// The connection lifecycle seen through a real Channel and Server (wire
// protocol version 2): a server closing an idle connection, or restarting
// with a grace period, costs the caller no call. The server first sends a
// drain notice and answers what it reads after it with not_processed; the
// Channel sends such calls again on a new connection (docs/api.md, "What a
// caller can count on"), also for a frontend whose handlers call a backend
// through a generated stub.
#include <atomic>
#include <chrono>
#include <future>
#include <memory>
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

// `restarts` times, after `serving` each: shuts `*server` down with a 2 s
// grace and starts a new one with `service` on `address`. Then waits
// `serving` once more. Stops at the first failure to start and returns it.
absl::Status RestartOnTheSameAddress(int restarts, absl::Duration serving,
                                     const std::string& address,
                                     const ServerOptions& options,
                                     Service* service,
                                     std::unique_ptr<Server>* server) {
  absl::Status restarted;
  for (int r = 0; r < restarts && restarted.ok(); ++r) {
    absl::SleepFor(serving);
    (*server)->Shutdown(absl::Seconds(2));
    (*server)->Wait();
    *server = std::make_unique<Server>(options);
    restarted = (*server)->AddService(service);
    if (restarted.ok()) restarted = (*server)->Listen(address);
    if (restarted.ok()) restarted = (*server)->Start();
  }
  absl::SleepFor(serving);
  return restarted;
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
  const std::string target = absl::StrCat("127.0.0.1:", server->port());
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
  const absl::Status restarted =
      RestartOnTheSameAddress(kRestarts, absl::Milliseconds(150), target,
                              ServerOptions(), service.get(), &server);
  stop.store(true);
  for (std::thread& caller : callers) caller.join();
  server->Shutdown(absl::Seconds(2));
  server->Wait();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), kThreads * kRestarts);
}

// The frontend of a two-tier service, as a user writes it: each Echo is
// answered by the backend's, called through a generated stub on one
// shared Channel within the frontend call's own deadline.
class Frontend final : public TestService::Service {
 public:
  explicit Frontend(std::shared_ptr<Channel> backend) : backend_(backend) {}

  absl::Status Echo(ServerContext& context, const EchoRequest& request,
                    EchoReply* reply) override {
    ClientContext call;
    call.set_deadline(context.deadline());
    // Between two backend processes nothing listens for a moment; a call
    // made then waits for the next (it fails fast by default).
    call.set_wait_for_ready(true);
    return backend_.Echo(&call, request, reply);
  }

 private:
  TestService::Stub backend_;
};

TEST(Lifecycle, AFrontendSurvivesItsBackendsRestartsAndIdleCloses) {
  // Both tiers close connections idle for 40 ms, and the backend restarts
  // gracefully three times on the same port, while two callers go through
  // the frontend with gaps from none to past the idle timeout.
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(40);
  auto backend_service = std::make_unique<TestServiceImpl>();
  auto backend = std::make_unique<Server>(options);
  ASSERT_TRUE(backend->AddService(backend_service.get()).ok());
  ASSERT_TRUE(backend->Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(backend->Start().ok());
  const std::string backend_address =
      absl::StrCat("127.0.0.1:", backend->port());
  auto backend_channel = Channel::Create(backend_address);
  ASSERT_TRUE(backend_channel.ok()) << backend_channel.status();
  Frontend frontend_service(*backend_channel);
  Server frontend(options);
  ASSERT_TRUE(frontend.AddService(&frontend_service).ok());
  ASSERT_TRUE(frontend.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(frontend.Start().ok());
  auto channel = Channel::Create(absl::StrCat("127.0.0.1:", frontend.port()));
  ASSERT_TRUE(channel.ok()) << channel.status();

  constexpr int kThreads = 2;
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::mutex mu;
  std::set<std::string> backend_peers;  // the frontend's connections
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      TestService::Stub stub(*channel);
      for (int i = 0; !stop.load(); ++i) {
        absl::SleepFor(absl::Milliseconds((i * 7 + t * 13) % 60));
        auto context = BoundedContext(absl::Seconds(10));
        std::string peer, failure;
        if (EchoOnce(stub, absl::StrCat("t", t, " c", i), context.get(),
                     &peer, &failure)) {
          ++ok;
          std::lock_guard<std::mutex> lock(mu);
          backend_peers.insert(peer);
        } else {
          ++failed;
          ADD_FAILURE() << failure;
        }
      }
    });
  }
  constexpr int kRestarts = 3;
  const absl::Status restarted = RestartOnTheSameAddress(
      kRestarts, absl::Milliseconds(300), backend_address, options,
      backend_service.get(), &backend);
  stop.store(true);
  for (std::thread& caller : callers) caller.join();
  // Idle past both tiers' timeout: both connections are closed, and the
  // next call opens new ones on each tier.
  absl::SleepFor(absl::Milliseconds(150));
  {
    TestService::Stub stub(*channel);
    auto context = BoundedContext(absl::Seconds(10));
    std::string peer, failure;
    if (EchoOnce(stub, "after an idle spell", context.get(), &peer,
                 &failure)) {
      ++ok;
      EXPECT_EQ(backend_peers.count(peer), 0u)
          << "the backend's idle timeout did not close " << peer;
      backend_peers.insert(peer);
    } else {
      ++failed;
      ADD_FAILURE() << failure;
    }
  }
  frontend.Shutdown(absl::Seconds(2));
  frontend.Wait();
  backend->Shutdown(absl::Seconds(2));
  backend->Wait();
  ASSERT_TRUE(restarted.ok()) << restarted;
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(ok.load(), 20);
  // The frontend reached every backend process, and a fresh connection
  // after the idle spell.
  EXPECT_GE(backend_peers.size(), static_cast<size_t>(kRestarts + 2));
}

TEST(Lifecycle, TryCancelEndsTheCallAtOnceAndTheServersHandlerSeesIsCancelled) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  EchoRequest request;
  request.set_text("cancel me");
  request.set_wait_for_cancel(true);
  ClientContext context;  // no deadline: only the cancellation ends it
  std::promise<absl::Status> outcome;
  std::thread caller(
      [&] { outcome.set_value(stub.Echo(request, &context).status()); });
  ASSERT_TRUE(fixture.service().AwaitCancelWaiters(1, absl::Seconds(10)));

  const absl::Time cancelled = absl::Now();
  context.TryCancel();  // from another thread than the caller's
  std::future<absl::Status> ended = outcome.get_future();
  const bool ended_soon =
      ended.wait_for(std::chrono::seconds(2)) == std::future_status::ready;
  const absl::Duration took = absl::Now() - cancelled;
  // Not ended: it ends when the handler gives up (30 s), and the test fails.
  EXPECT_TRUE(ended_soon) << "the call did not end within 2 s of TryCancel";
  caller.join();
  const absl::Status status = ended.get();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled) << status;
  // "At once": the client looks every 10 ms; the bound allows a slow CI.
  EXPECT_LT(took, absl::Milliseconds(500)) << status;

  // The server is told (framerpc.Control/Cancel), and its handler, which
  // waits for nothing but IsCancelled(), sees it.
  const absl::optional<absl::Time> seen =
      fixture.service().AwaitCancelSeen(absl::Seconds(10));
  ASSERT_TRUE(seen.has_value()) << "the handler never saw IsCancelled()";
  EXPECT_LT(*seen - cancelled, absl::Seconds(2));
  // And the connection carries the next call.
  auto next_context = BoundedContext(absl::Seconds(10));
  EchoRequest next;
  next.set_text("after the cancel");
  absl::StatusOr<EchoReply> reply = stub.Echo(next, next_context.get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "after the cancel");
}

}  // namespace
}  // namespace framerpc::e2e
