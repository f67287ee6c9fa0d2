// Handlers that answer later (ServerContext::Defer, ServerResponder,
// docs/api.md "Handlers that answer later") against a real Server and
// Channel.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/interceptor.h"
#include "framerpc/server_responder.h"
#include "gtest/gtest.h"
#include "server_fixture.h"
#include "tests/client/fake_server.h"
#include "tests/support/interceptor_journal.h"

namespace framerpc::e2e {
namespace {

using testing_support::Event;

// Runs what it is given, in order, on a thread of its own: "another
// thread" for the responders.
class Finisher {
 public:
  Finisher() : thread_([this] { Loop(); }) {}
  ~Finisher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
  }
  void Post(std::function<void()> task) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      tasks_.push_back(std::move(task));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      cv_.wait(lock, [this] { return done_ || !tasks_.empty(); });
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      lock.unlock();
      task();
      lock.lock();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> tasks_;
  bool done_ = false;
  std::thread thread_;
};

// Responders parked by the handler until the test finishes them.
class ParkedCalls {
 public:
  struct Parked {
    ServerResponder responder;
    const EchoRequest* request;
    EchoReply* reply;
    ServerContext* context;
  };
  void Park(Parked parked) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      parked_.push_back(std::move(parked));
    }
    cv_.notify_all();
  }
  // Waits (bounded) until `count` calls are parked.
  bool WaitFor(size_t count, absl::Duration timeout = absl::Seconds(20)) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoSeconds(timeout),
                        [&] { return parked_.size() >= count; });
  }
  std::vector<Parked> TakeAll() {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<Parked> all = std::move(parked_);
    parked_.clear();
    return all;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu_);
    return parked_.size();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Parked> parked_;
};

// TestService whose Echo runs what the test sets.
class DeferringService : public TestService::Service {
 public:
  using Handler =
      std::function<absl::Status(ServerContext&, const EchoRequest&, EchoReply*)>;
  explicit DeferringService(Handler handler) : handler_(std::move(handler)) {}
  absl::Status Echo(ServerContext& context, const EchoRequest& request,
                    EchoReply* reply) override {
    return handler_(context, request, reply);
  }

 private:
  Handler handler_;
};

// A Server with one DeferringService on 127.0.0.1, port 0.
class DeferServer {
 public:
  DeferServer(DeferringService::Handler handler,
              ServerOptions options = ServerOptions(),
              ServiceOptions service_options = ServiceOptions(),
              bool metrics = false)
      : service_(std::move(handler)),
        server_(std::make_unique<Server>(options)) {
    status_ = server_->AddService(&service_, service_options);
    if (status_.ok() && metrics) status_ = server_->EnableMetrics();
    if (status_.ok()) status_ = server_->Listen("127.0.0.1:0");
    if (status_.ok()) status_ = server_->Start();
  }
  ~DeferServer() { Stop(absl::Seconds(5)); }
  void Stop(absl::Duration grace) {
    if (server_ == nullptr) return;
    server_->Shutdown(grace);
    server_->Wait();
  }
  const absl::Status& status() const { return status_; }
  Server& server() { return *server_; }
  std::string target() const {
    return absl::StrCat("127.0.0.1:", server_->port());
  }
  std::shared_ptr<Channel> NewChannel() {
    auto channel = Channel::Create(target());
    EXPECT_TRUE(channel.ok()) << channel.status();
    return channel.ok() ? *channel : nullptr;
  }

 private:
  DeferringService service_;  // outlives the server
  std::unique_ptr<Server> server_;
  absl::Status status_;
};

// A handler that defers every call and parks it in `parked`.
DeferringService::Handler Parking(ParkedCalls* parked) {
  return [parked](ServerContext& context, const EchoRequest& request,
                  EchoReply* reply) {
    parked->Park({context.Defer(), &request, reply, &context});
    return absl::OkStatus();
  };
}

EchoRequest Text(const std::string& text) {
  EchoRequest request;
  request.set_text(text);
  return request;
}

TEST(Defer, FinishedFromAnotherThreadAnswersEachCallItsOwnReply) {
  Finisher finisher;
  std::atomic<int> handlers_returned{0};
  DeferServer server([&](ServerContext& context, const EchoRequest& request,
                         EchoReply* reply) {
    ServerResponder responder = context.Defer();
    EXPECT_TRUE(context.deferred());
    // The request, reply and context stay valid until Finish.
    finisher.Post([&request, reply, &context,
                   r = std::make_shared<ServerResponder>(
                       std::move(responder))] {
      reply->set_text(absl::StrCat("later:", request.text()));
      context.AddResponseMetadata("x-answered-by", "finisher");
      r->Finish(absl::OkStatus());
    });
    ++handlers_returned;
    return absl::UnknownError("ignored once deferred");
  });
  ASSERT_TRUE(server.status().ok()) << server.status();
  auto channel = server.NewChannel();
  TestService::Stub stub(channel);
  std::vector<std::thread> clients;
  std::atomic<int> good{0};
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        const std::string text = absl::StrCat(t, "-", i);
        auto context = BoundedContext();
        EchoReply reply;
        absl::Status status = stub.Echo(context.get(), Text(text), &reply);
        if (status.ok() && reply.text() == "later:" + text &&
            context->response_metadata().count("x-answered-by") == 1) {
          ++good;
        } else {
          ADD_FAILURE() << text << ": " << status << " " << reply.text();
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(good.load(), 400);
  EXPECT_EQ(handlers_returned.load(), 400);
}

TEST(Defer, WaitingCallsHoldNoThread) {
  // One loop, one worker: 64 calls waiting for their answers at once would
  // need 64 threads if each held one; deferred, another call still gets
  // answered at once while they wait.
  ParkedCalls parked;
  DeferServer server(
      [&](ServerContext& context, const EchoRequest& request,
          EchoReply* reply) {
        if (request.text() == "now") {
          reply->set_text("now");
          return absl::OkStatus();
        }
        parked.Park({context.Defer(), &request, reply, &context});
        return absl::OkStatus();
      },
      [] {
        ServerOptions options;
        options.num_loops = 1;
        options.num_workers = 1;
        return options;
      }());
  ASSERT_TRUE(server.status().ok()) << server.status();
  auto channel = server.NewChannel();
  TestService::Stub stub(channel);
  constexpr int kWaiting = 64;
  std::vector<EchoReply> replies(kWaiting);
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<EchoRequest> requests;
  for (int i = 0; i < kWaiting; ++i) {
    contexts.push_back(BoundedContext());
    requests.push_back(Text(absl::StrCat("w", i)));
  }
  std::mutex mu;
  std::vector<absl::Status> statuses(kWaiting);
  Event all_done;
  std::atomic<int> remaining{kWaiting};
  for (int i = 0; i < kWaiting; ++i) {
    stub.Echo(contexts[i].get(), requests[i], &replies[i],
              [&, i](absl::Status status) {
                {
                  std::lock_guard<std::mutex> lock(mu);
                  statuses[i] = std::move(status);
                }
                if (--remaining == 0) all_done.Notify();
              });
  }
  ASSERT_TRUE(parked.WaitFor(kWaiting));
  const absl::Time start = absl::Now();
  auto context = BoundedContext(absl::Seconds(5));
  absl::StatusOr<EchoReply> now = stub.Echo(Text("now"), context.get());
  ASSERT_TRUE(now.ok()) << now.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  for (ParkedCalls::Parked& call : parked.TakeAll()) {
    call.reply->set_text(call.request->text());
    call.responder.Finish(absl::OkStatus());
  }
  ASSERT_TRUE(all_done.WaitFor(absl::Seconds(20)));
  std::lock_guard<std::mutex> lock(mu);
  for (int i = 0; i < kWaiting; ++i) {
    EXPECT_TRUE(statuses[i].ok()) << i << ": " << statuses[i];
    EXPECT_EQ(replies[i].text(), requests[i].text());
  }
}

TEST(Defer, FinishedFromAnAsyncClientCallback) {
  // A frontend whose handler calls a backend asynchronously and answers
  // from the backend's done callback, passing the caller's deadline down.
  ServerFixture backend("127.0.0.1:0");
  ASSERT_TRUE(backend.status().ok()) << backend.status();
  std::shared_ptr<Channel> to_backend = backend.NewChannel();
  TestService::Stub backend_stub(to_backend);
  DeferServer frontend([&](ServerContext& context, const EchoRequest& request,
                           EchoReply* reply) {
    auto call = std::make_shared<ClientContext>();
    call->set_deadline(context.deadline());
    backend_stub.Echo(call.get(), request, reply,
                      [call, responder = context.Defer()](
                          absl::Status status) mutable {
                        responder.Finish(std::move(status));
                      });
    return absl::OkStatus();
  });
  ASSERT_TRUE(frontend.status().ok()) << frontend.status();
  TestService::Stub stub(frontend.NewChannel());
  for (int i = 0; i < 20; ++i) {
    auto context = BoundedContext(absl::Seconds(10));
    absl::StatusOr<EchoReply> reply =
        stub.Echo(Text(absl::StrCat("via-", i)), context.get());
    ASSERT_TRUE(reply.ok()) << reply.status();
    EXPECT_EQ(reply->text(), absl::StrCat("via-", i));
    // The backend saw the caller's deadline, not none.
    EXPECT_GT(reply->deadline_left_us(), 0);
    EXPECT_LE(reply->deadline_left_us(), 10'000'000);
  }
  // The backend's failure comes back as the answer.
  EchoRequest failing = Text("x");
  failing.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  failing.set_fail_message("no such thing");
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply = stub.Echo(failing, context.get());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kNotFound)
      << reply.status();
}

TEST(Defer, DroppedResponderAnswersInternal) {
  Finisher finisher;
  DeferServer server([&](ServerContext& context, const EchoRequest& request,
                         EchoReply*) {
    if (request.text() == "drop-now") {
      context.Defer();  // dropped at once, unfinished
      return absl::OkStatus();
    }
    // Dropped later, on another thread.
    finisher.Post([r = std::make_shared<ServerResponder>(context.Defer())] {});
    return absl::OkStatus();
  });
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  for (const char* text : {"drop-now", "drop-later"}) {
    auto context = BoundedContext();
    absl::StatusOr<EchoReply> reply = stub.Echo(Text(text), context.get());
    EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal)
        << text << ": " << reply.status();
    EXPECT_TRUE(absl::StrContains(reply.status().message(),
                                  "dropped the responder without calling "
                                  "Finish"))
        << reply.status();
    EXPECT_TRUE(absl::StrContains(reply.status().message(),
                                  "framerpc.e2e.TestService/Echo"))
        << reply.status();
  }
}

TEST(Defer, FinishBeforeTheHandlerReturnsIsTheAnswer) {
  DeferServer server([](ServerContext& context, const EchoRequest& request,
                        EchoReply* reply) {
    ServerResponder responder = context.Defer();
    // A second Defer gets nothing to answer.
    ServerResponder second = context.Defer();
    EXPECT_TRUE(second.empty());
    second.Finish(absl::InternalError("must not be seen"));
    reply->set_text(request.text());
    responder.Finish(absl::OkStatus());
    EXPECT_TRUE(responder.empty());
    responder.Finish(absl::InternalError("second Finish must not be seen"));
    return absl::AbortedError("ignored once deferred");
  });
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply = stub.Echo(Text("early"), context.get());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "early");
}

TEST(Defer, HandlerThrowingAfterDeferAnswersInternalAndFinishDoesNothing) {
  std::mutex mu;
  std::vector<ServerResponder> kept;
  DeferServer server([&](ServerContext& context, const EchoRequest&,
                         EchoReply*) -> absl::Status {
    {
      std::lock_guard<std::mutex> lock(mu);
      kept.push_back(context.Defer());
    }
    throw std::runtime_error("boom after defer");
  });
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply = stub.Echo(Text("t"), context.get());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kInternal)
      << reply.status();
  EXPECT_TRUE(absl::StrContains(reply.status().message(), "boom after defer"));
  std::vector<ServerResponder> responders;
  {
    std::lock_guard<std::mutex> lock(mu);
    responders = std::move(kept);
    kept.clear();
  }
  ASSERT_EQ(responders.size(), 1u);
  responders[0].Finish(absl::OkStatus());  // too late: nothing is sent
  // The connection is still sound.
  auto again = BoundedContext();
  EXPECT_EQ(stub.Echo(Text("t"), again.get()).status().code(),
            absl::StatusCode::kInternal);
}

TEST(Defer, FinishedAfterTheDeadlineIsDeadlineExceeded) {
  ParkedCalls parked;
  auto journal = std::make_shared<testing_support::Journal>();
  class Summaries : public ServerInterceptor {
   public:
    explicit Summaries(std::shared_ptr<testing_support::Journal> journal)
        : journal_(std::move(journal)) {}
    void AfterCall(const ServerContext&, const CallSummary& summary) override {
      journal_->Keep(summary);
    }

   private:
    std::shared_ptr<testing_support::Journal> journal_;
  };
  ServerOptions options;
  options.interceptors.push_back(std::make_shared<Summaries>(journal));
  DeferServer server(Parking(&parked), options);
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  auto context = BoundedContext(absl::Milliseconds(200));
  absl::StatusOr<EchoReply> reply = stub.Echo(Text("late"), context.get());
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(parked.WaitFor(1));
  std::vector<ParkedCalls::Parked> calls = parked.TakeAll();
  // The server's deadline counts from when it read the request, a little
  // after the caller's clock started.
  const absl::Time expiry_bound = absl::Now() + absl::Seconds(5);
  while (!calls[0].responder.IsCancelled() && absl::Now() < expiry_bound) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_TRUE(calls[0].responder.IsCancelled());  // the deadline passed
  EXPECT_TRUE(calls[0].context->IsExpired());
  calls[0].reply->set_text("too late");
  calls[0].responder.Finish(absl::OkStatus());
  // The interceptors see what the call ended with.
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (journal->summaries().empty() && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  std::vector<CallSummary> summaries = journal->summaries();
  ASSERT_EQ(summaries.size(), 1u);
  EXPECT_EQ(summaries[0].status.code(), absl::StatusCode::kDeadlineExceeded)
      << summaries[0].status;
  EXPECT_TRUE(absl::StrContains(summaries[0].status.message(),
                                "after the deadline"));
  EXPECT_EQ(summaries[0].response_bytes, 0u);
  // The late answer did not upset the connection.
  std::thread answer([&] {
    ASSERT_TRUE(parked.WaitFor(1));
    for (ParkedCalls::Parked& call : parked.TakeAll()) {
      call.reply->set_text("in time");
      call.responder.Finish(absl::OkStatus());
    }
  });
  auto next = BoundedContext();
  absl::StatusOr<EchoReply> in_time = stub.Echo(Text("next"), next.get());
  answer.join();
  ASSERT_TRUE(in_time.ok()) << in_time.status();
  EXPECT_EQ(in_time->text(), "in time");
}

TEST(Defer, CancelledByTheCallerShowsOnTheResponder) {
  ParkedCalls parked;
  DeferServer server(Parking(&parked));
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  auto context = BoundedContext();
  EchoReply reply;
  Event done;
  absl::Status seen;
  const EchoRequest request = Text("c");  // alive until done
  stub.Echo(context.get(), request, &reply, [&](absl::Status status) {
    seen = std::move(status);
    done.Notify();
  });
  ASSERT_TRUE(parked.WaitFor(1));
  std::vector<ParkedCalls::Parked> calls = parked.TakeAll();
  EXPECT_FALSE(calls[0].responder.IsCancelled());
  context->TryCancel();
  ASSERT_TRUE(done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(seen.code(), absl::StatusCode::kCancelled) << seen;
  const absl::Time until = absl::Now() + absl::Seconds(10);
  while (!calls[0].responder.IsCancelled() && absl::Now() < until) {
    absl::SleepFor(absl::Milliseconds(2));
  }
  EXPECT_TRUE(calls[0].responder.IsCancelled());
  EXPECT_TRUE(calls[0].context->IsCancelled());
  calls[0].responder.Finish(absl::CancelledError("stopped"));
}

TEST(Defer, FinishedDuringShutdownIsSentAndEndsTheGraceEarly) {
  ParkedCalls parked;
  auto server = std::make_unique<DeferServer>(Parking(&parked));
  ASSERT_TRUE(server->status().ok()) << server->status();
  TestService::Stub stub(server->NewChannel());
  auto context = BoundedContext();
  EchoReply reply;
  Event done;
  absl::Status seen;
  const EchoRequest request = Text("drain me");  // alive until done
  stub.Echo(context.get(), request, &reply, [&](absl::Status status) {
    seen = std::move(status);
    done.Notify();
  });
  ASSERT_TRUE(parked.WaitFor(1));
  const absl::Time begun = absl::Now();
  std::thread shutdown([&] { server->Stop(absl::Seconds(20)); });
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_FALSE(done.HasBeenNotified());  // the grace waits for it
  for (ParkedCalls::Parked& call : parked.TakeAll()) {
    call.reply->set_text("answered while draining");
    call.responder.Finish(absl::OkStatus());
  }
  ASSERT_TRUE(done.WaitFor(absl::Seconds(10)));
  shutdown.join();
  EXPECT_TRUE(seen.ok()) << seen;
  EXPECT_EQ(reply.text(), "answered while draining");
  // The shutdown ended once the call was answered, not at the grace's end.
  EXPECT_LT(absl::Now() - begun, absl::Seconds(10));
}

TEST(Defer, UnfinishedWhenTheGraceEndsIsDroppedAndFinishLaterIsHarmless) {
  ParkedCalls parked;
  auto server = std::make_unique<DeferServer>(Parking(&parked));
  ASSERT_TRUE(server->status().ok()) << server->status();
  TestService::Stub stub(server->NewChannel());
  auto context = BoundedContext();
  absl::StatusOr<EchoReply> reply;
  std::thread caller([&] { reply = stub.Echo(Text("never"), context.get()); });
  ASSERT_TRUE(parked.WaitFor(1));
  server->Stop(absl::Milliseconds(300));
  caller.join();
  EXPECT_EQ(reply.status().code(), absl::StatusCode::kUnavailable)
      << reply.status();
  server.reset();  // the Server is gone; the call's state is not
  std::vector<ParkedCalls::Parked> calls = parked.TakeAll();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_TRUE(calls[0].responder.IsCancelled());
  calls[0].reply->set_text("nobody listens");  // still valid
  calls[0].responder.Finish(absl::OkStatus());
}

TEST(Defer, InlineHandlersMayDeferAndCountAgainstTheConnectionLimit) {
  ParkedCalls parked;
  ServerOptions options;
  options.max_calls_per_connection = 2;
  ServiceOptions service_options;
  service_options.inline_handlers = true;
  DeferServer server(Parking(&parked), options, service_options);
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  constexpr int kCalls = 3;
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<EchoReply> replies(kCalls);
  std::vector<EchoRequest> requests;
  std::atomic<int> finished{0};
  Event all_done;
  for (int i = 0; i < kCalls; ++i) {
    contexts.push_back(BoundedContext());
    requests.push_back(Text(absl::StrCat("inline-", i)));
  }
  for (int i = 0; i < kCalls; ++i) {
    stub.Echo(contexts[i].get(), requests[i], &replies[i],
              [&](absl::Status status) {
                EXPECT_TRUE(status.ok()) << status;
                if (++finished == kCalls) all_done.Notify();
              });
  }
  ASSERT_TRUE(parked.WaitFor(2));
  // Two deferred calls fill the connection: the third is not read yet.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(parked.size(), 2u);
  for (ParkedCalls::Parked& call : parked.TakeAll()) {
    call.reply->set_text(call.request->text());
    call.responder.Finish(absl::OkStatus());
  }
  ASSERT_TRUE(parked.WaitFor(1));
  for (ParkedCalls::Parked& call : parked.TakeAll()) {
    call.reply->set_text(call.request->text());
    call.responder.Finish(absl::OkStatus());
  }
  ASSERT_TRUE(all_done.WaitFor(absl::Seconds(10)));
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(replies[i].text(), requests[i].text());
  }
}

TEST(Defer, MetricsCountADeferredCallWhenItIsAnswered) {
  ParkedCalls parked;
  DeferServer server(Parking(&parked), ServerOptions(), ServiceOptions(),
                     /*metrics=*/true);
  ASSERT_TRUE(server.status().ok()) << server.status();
  TestService::Stub stub(server.NewChannel());
  const std::string finished_not_found =
      "grpc_server_call_duration_seconds_count{grpc_method=\"framerpc.e2e."
      "TestService/Echo\",grpc_status=\"NOT_FOUND\"} 1\n";
  absl::Status seen;
  std::thread caller([&] {
    auto context = BoundedContext();
    seen = stub.Echo(Text("m"), context.get()).status();
  });
  ASSERT_TRUE(parked.WaitFor(1));
  // Started, not finished, while it waits.
  std::string text = server.server().MetricsText();
  EXPECT_TRUE(absl::StrContains(
      text,
      "grpc_server_call_started_total{grpc_method=\"framerpc.e2e.TestService/"
      "Echo\"} 1\n"))
      << text;
  EXPECT_FALSE(absl::StrContains(text, finished_not_found)) << text;
  for (ParkedCalls::Parked& call : parked.TakeAll()) {
    call.responder.Finish(absl::NotFoundError("no"));
  }
  caller.join();
  EXPECT_EQ(seen.code(), absl::StatusCode::kNotFound) << seen;
  text = server.server().MetricsText();
  EXPECT_TRUE(absl::StrContains(text, finished_not_found)) << text;
}

}  // namespace
}  // namespace framerpc::e2e
