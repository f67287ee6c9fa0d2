// Asynchronous calls (Channel::Call and the generated Stub overload with a
// done callback, docs/api.md "Asynchronous calls") against a real Server.
#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/call_group.h"
#include "framerpc/interceptor.h"
#include "server_fixture.h"
#include "tests/client/fake_server.h"

namespace framerpc::e2e {
namespace {

// std::mutex underneath: Debian's Abseil (absl::Notification) is not built
// for ThreadSanitizer, which would not see the hand-over.
using testing_support::Event;

// Set on the test's thread while it starts a call: a done that sees it set
// ran inline, inside the call that started it.
thread_local bool starting_call = false;

int ThreadsOfProcess() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// One asynchronous call's outcome, filled by its done callback.
struct Outcome {
  Event done;
  absl::Status status;
  bool ran_inline = false;
  absl::Time finished;
};

absl::AnyInvocable<void(absl::Status) &&> Record(Outcome* outcome) {
  return [outcome](absl::Status status) {
    outcome->ran_inline = starting_call;
    outcome->status = std::move(status);
    outcome->finished = absl::Now();
    outcome->done.Notify();
  };
}

void StartEcho(TestService::Stub& stub, ClientContext* context,
               const EchoRequest& request, EchoReply* reply,
               absl::AnyInvocable<void(absl::Status) &&> done) {
  starting_call = true;
  stub.Echo(context, request, reply, std::move(done));
  starting_call = false;
}

TEST(Async, ThousandCallsFromOneThreadEachDoneOnceWithItsReply) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  constexpr int kCalls = 1000;
  const int threads_before = ThreadsOfProcess();

  std::vector<EchoRequest> requests(kCalls);
  std::vector<EchoReply> replies(kCalls);
  std::vector<std::unique_ptr<ClientContext>> contexts;
  std::vector<std::atomic<int>> done_count(kCalls);
  std::vector<absl::Status> statuses(kCalls);
  std::atomic<int> inline_dones{0};
  std::atomic<int> remaining{kCalls};
  Event all_done;
  int peak_threads = 0;
  for (int i = 0; i < kCalls; ++i) {
    requests[i].set_text(absl::StrCat("call ", i, " ", std::string(i % 97, 'x')));
    contexts.push_back(BoundedContext());
    StartEcho(stub, contexts[i].get(), requests[i], &replies[i],
              [&, i](absl::Status status) {
                if (starting_call) ++inline_dones;
                statuses[i] = std::move(status);
                if (done_count[i].fetch_add(1) == 0 &&
                    remaining.fetch_sub(1) == 1) {
                  all_done.Notify();
                }
              });
    if (i % 100 == 99) peak_threads = std::max(peak_threads, ThreadsOfProcess());
  }
  ASSERT_TRUE(all_done.WaitFor(absl::Seconds(60)))
      << remaining.load() << " calls never finished";
  peak_threads = std::max(peak_threads, ThreadsOfProcess());
  EXPECT_EQ(inline_dones.load(), 0);
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(done_count[i].load(), 1) << "call " << i;
    ASSERT_TRUE(statuses[i].ok()) << "call " << i << ": " << statuses[i];
    EXPECT_EQ(replies[i].text(), requests[i].text()) << "call " << i;
  }
  // The channel's threads (start, driver, done pool, upkeep) and the
  // server's; nothing like a thread per call.
  EXPECT_LT(peak_threads - threads_before, 40)
      << "threads before " << threads_before << ", at the peak "
      << peak_threads;
}

TEST(Async, DeadServerIsUnavailableAndNeverInline) {
  const int port = DeadPort();
  ASSERT_GT(port, 0);
  auto channel = Channel::Create(absl::StrCat("127.0.0.1:", port));
  ASSERT_TRUE(channel.ok()) << channel.status();
  TestService::Stub stub(*channel);
  EchoRequest request;
  request.set_text("nobody home");
  EchoReply reply;
  auto context = BoundedContext(absl::Seconds(10));
  Outcome outcome;
  const absl::Time start = absl::Now();
  StartEcho(stub, context.get(), request, &reply, Record(&outcome));
  // Returned at once, whatever the connect does.
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100));
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find("TestService/Echo"),
            absl::string_view::npos)
      << outcome.status;
  EXPECT_FALSE(outcome.ran_inline);
}

TEST(Async, ImmediateFailureStillRunsDoneOnAnotherThread) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  std::shared_ptr<Channel> channel = fixture.NewChannel();
  EchoRequest request;
  Outcome outcome;
  std::thread::id done_thread;
  starting_call = true;
  channel->Call("framerpc.e2e.TestService/Echo", request, nullptr, nullptr,
                [&](absl::Status status) {
                  done_thread = std::this_thread::get_id();
                  outcome.ran_inline = starting_call;
                  outcome.status = std::move(status);
                  outcome.done.Notify();
                });
  starting_call = false;
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kInvalidArgument)
      << outcome.status;
  EXPECT_FALSE(outcome.ran_inline);
  EXPECT_NE(done_thread, std::this_thread::get_id());
}

TEST(Async, DeadlineExpiresWhileTheServerSleeps) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  EchoRequest request;
  request.set_text("slow");
  request.set_sleep_ms(1500);
  EchoReply reply;
  ClientContext context;
  context.set_timeout(absl::Milliseconds(200));
  Outcome outcome;
  const absl::Time start = absl::Now();
  StartEcho(stub, &context, request, &reply, Record(&outcome));
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kDeadlineExceeded)
      << outcome.status;
  EXPECT_GE(outcome.finished - start, absl::Milliseconds(190));
  EXPECT_LT(outcome.finished - start, absl::Milliseconds(1000));
  EXPECT_FALSE(outcome.ran_inline);
}

TEST(Async, ChannelDefaultTimeoutAppliesToo) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  ChannelOptions options;
  options.default_timeout = absl::Milliseconds(150);
  TestService::Stub stub(fixture.NewChannel(options));
  EchoRequest request;
  request.set_sleep_ms(1500);
  EchoReply reply;
  Outcome outcome;
  StartEcho(stub, nullptr, request, &reply, Record(&outcome));
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kDeadlineExceeded)
      << outcome.status;
}

TEST(Async, TryCancelEndsTheCallAndTellsTheServer) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  EchoRequest request;
  request.set_wait_for_cancel(true);
  EchoReply reply;
  auto context = BoundedContext();
  Outcome outcome;
  StartEcho(stub, context.get(), request, &reply, Record(&outcome));
  ASSERT_TRUE(fixture.service().AwaitCancelWaiters(1, absl::Seconds(10)));
  const absl::Time cancelled_at = absl::Now();
  std::thread([&] { context->TryCancel(); }).join();
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kCancelled)
      << outcome.status;
  EXPECT_LT(outcome.finished - cancelled_at, absl::Milliseconds(500));
  EXPECT_TRUE(fixture.service().AwaitCancelSeen(absl::Seconds(10)).has_value())
      << "the handler never saw IsCancelled()";
}

TEST(Async, CancelledBeforeStartIsCancelledWithoutSending) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  EchoRequest request;
  EchoReply reply;
  auto context = BoundedContext();
  context->TryCancel();
  Outcome outcome;
  StartEcho(stub, context.get(), request, &reply, Record(&outcome));
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kCancelled)
      << outcome.status;
  EXPECT_EQ(fixture.service().started(), 0);
}

TEST(Async, BlockedDoneCallbacksDoNotDelaySynchronousReplies) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  // Enough blocked dones to hold every done thread of the channel.
  constexpr int kBlocked = 4;
  Event release;
  std::atomic<int> blocked_started{0};
  std::vector<EchoRequest> requests(kBlocked);
  std::vector<EchoReply> replies(kBlocked);
  std::vector<std::unique_ptr<ClientContext>> contexts;
  CallGroup group;
  for (int i = 0; i < kBlocked; ++i) {
    requests[i].set_text(absl::StrCat("blocked ", i));
    contexts.push_back(BoundedContext());
    auto record = group.Add();
    StartEcho(stub, contexts[i].get(), requests[i], &replies[i],
              [&, record = std::move(record)](absl::Status status) mutable {
                ++blocked_started;
                release.WaitFor(absl::Seconds(5));
                std::move(record)(std::move(status));
              });
  }
  // Once the done threads are all blocked, a synchronous call on the same
  // channel is still answered at once.
  const absl::Time wait_until = absl::Now() + absl::Seconds(10);
  while (blocked_started.load() < 2 && absl::Now() < wait_until) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  ASSERT_GE(blocked_started.load(), 2);
  EchoRequest request;
  request.set_text("synchronous");
  auto context = BoundedContext();
  const absl::Time start = absl::Now();
  absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
  const absl::Duration took = absl::Now() - start;
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), "synchronous");
  EXPECT_LT(took, absl::Milliseconds(250));
  // Another asynchronous call is read and filled meanwhile; only its done
  // waits for a free done thread.
  EchoRequest late_request;
  late_request.set_text("late");
  EchoReply late_reply;
  auto late_context = BoundedContext();
  Outcome late;
  StartEcho(stub, late_context.get(), late_request, &late_reply,
            Record(&late));
  EXPECT_FALSE(late.done.WaitFor(absl::Milliseconds(100)))
      << "a done ran while every done thread was blocked";
  release.Notify();
  ASSERT_TRUE(late.done.WaitFor(absl::Seconds(10)));
  EXPECT_TRUE(late.status.ok()) << late.status;
  EXPECT_EQ(late_reply.text(), "late");
  EXPECT_TRUE(group.Wait().ok());
  for (int i = 0; i < kBlocked; ++i) {
    EXPECT_EQ(replies[i].text(), requests[i].text());
  }
}

TEST(Async, FanOutWithACallGroup) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  constexpr int kCalls = 8;
  std::vector<EchoRequest> requests(kCalls);
  std::vector<EchoReply> replies(kCalls);
  std::vector<std::unique_ptr<ClientContext>> contexts;
  CallGroup group;
  for (int i = 0; i < kCalls; ++i) {
    requests[i].set_text(absl::StrCat("part ", i));
    // Each handler sleeps 100 ms: together they take about that, not 8x.
    requests[i].set_sleep_ms(100);
    contexts.push_back(BoundedContext());
    stub.Echo(contexts[i].get(), requests[i], &replies[i], group.Add());
  }
  ASSERT_TRUE(group.WaitFor(absl::Seconds(20)));
  EXPECT_TRUE(group.Wait().ok());
  for (int i = 0; i < kCalls; ++i) {
    EXPECT_EQ(replies[i].text(), requests[i].text());
  }
}

TEST(Async, CallGroupReportsTheFirstFailureInOrder) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  TestService::Stub stub(fixture.NewChannel());
  EchoRequest ok_request, failing_request;
  ok_request.set_text("fine");
  failing_request.set_fail_code(static_cast<int>(absl::StatusCode::kNotFound));
  failing_request.set_fail_message("no such key");
  EchoReply ok_reply, failing_reply;
  auto ok_context = BoundedContext();
  auto failing_context = BoundedContext();
  CallGroup group;
  stub.Echo(ok_context.get(), ok_request, &ok_reply, group.Add());
  stub.Echo(failing_context.get(), failing_request, &failing_reply,
            group.Add());
  absl::Status status = group.Wait();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_EQ(status.message(), "no such key");
  std::vector<absl::Status> statuses = group.statuses();
  ASSERT_EQ(statuses.size(), 2u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(ok_reply.text(), "fine");
}

// Adds a metadata key the server echoes back, and counts the AfterCalls.
class TaggingInterceptor final : public ClientInterceptor {
 public:
  absl::Status BeforeCall(ClientCallInfo& call) override {
    call.AddMetadata("x-tag", "async");
    return absl::OkStatus();
  }
  void AfterCall(const ClientCallInfo& /*call*/,
                 const CallSummary& summary) override {
    if (summary.status.ok()) ++after_ok;
  }
  std::atomic<int> after_ok{0};
};

class RejectingInterceptor final : public ClientInterceptor {
 public:
  absl::Status BeforeCall(ClientCallInfo& /*call*/) override {
    return absl::PermissionDeniedError("rejected by the test");
  }
};

TEST(Async, InterceptorsSeeAsynchronousCalls) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  auto tagging = std::make_shared<TaggingInterceptor>();
  ChannelOptions options;
  options.interceptors = {tagging};
  TestService::Stub stub(fixture.NewChannel(options));
  EchoRequest request;
  request.set_text("tagged");
  request.set_echo_metadata_key("x-tag");
  EchoReply reply;
  auto context = BoundedContext();
  Outcome outcome;
  StartEcho(stub, context.get(), request, &reply, Record(&outcome));
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(context->response_metadata().at("x-tag"), "async");
  // AfterCall ran before done.
  EXPECT_EQ(tagging->after_ok.load(), 1);

  ChannelOptions rejecting;
  rejecting.interceptors = {std::make_shared<RejectingInterceptor>()};
  TestService::Stub rejected_stub(fixture.NewChannel(rejecting));
  Outcome rejected;
  StartEcho(rejected_stub, nullptr, request, &reply, Record(&rejected));
  ASSERT_TRUE(rejected.done.WaitFor(absl::Seconds(10)));
  EXPECT_EQ(rejected.status.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_FALSE(rejected.ran_inline);
}

TEST(Async, DoneMayDropTheLastReferenceToTheChannel) {
  ServerFixture fixture("127.0.0.1:0");
  ASSERT_TRUE(fixture.status().ok()) << fixture.status();
  auto stub = std::make_unique<TestService::Stub>(fixture.NewChannel());
  EchoRequest request;
  request.set_text("last");
  EchoReply reply;
  auto context = BoundedContext();
  Outcome outcome;
  stub->Echo(context.get(), request, &reply,
             [&, stub = std::move(stub)](absl::Status status) mutable {
               stub.reset();  // the caller's last handle on the channel
               outcome.status = std::move(status);
               outcome.done.Notify();
             });
  ASSERT_TRUE(outcome.done.WaitFor(absl::Seconds(10)));
  EXPECT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(reply.text(), "last");
}

}  // namespace
}  // namespace framerpc::e2e
