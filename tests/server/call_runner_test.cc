#include "server/call_runner.h"

#include <poll.h>
#include <sys/socket.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "framing/buffer.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wakeup_fd.h"
#include "tests/server/socket_pair.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace internal {
namespace {

// Tests here send few, small responses: the queue's bound is not theirs.
constexpr size_t kNoQueueLimit = size_t{1} << 30;

using test::TestService;
using ::testing::HasSubstr;

Call MakeCall(const TestService& service, absl::string_view method,
              const test::TestRequest& request) {
  Call call;
  call.connection_id = 3;
  call.call_id = 11;
  call.method = TestService::Method(method);
  call.peer = "127.0.0.1:1234";
  call.metadata = {{"k", "v"}};
  call.payload = request.SerializeAsString();
  call.handler = service.FindMethod(method);
  return call;
}

TEST(RunCall, RunsTheHandlerAndKeepsItsReplyAndMetadata) {
  TestService service;
  test::TestRequest request;
  request.set_text("hi");
  CallResult result = RunCall(MakeCall(service, "Inspect", request));
  EXPECT_EQ(result.connection_id, 3u);
  EXPECT_EQ(result.method, TestService::Method("Inspect"));
  EXPECT_EQ(result.call_id, 11u);
  EXPECT_TRUE(result.status.ok()) << result.status;
  EXPECT_EQ(result.metadata.at("echo-k"), "v");
  ASSERT_NE(result.response, nullptr);
  const auto& reply = static_cast<const test::TestReply&>(*result.response);
  EXPECT_EQ(reply.text(), "hi");
  EXPECT_EQ(reply.peer(), "127.0.0.1:1234");
}

TEST(RunCall, PassedDeadlineSkipsTheHandler) {
  TestService service;
  Call call = MakeCall(service, "Count", test::TestRequest());
  call.deadline = absl::Now() - absl::Milliseconds(1);
  CallResult result = RunCall(std::move(call));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(std::string(result.status.message()), HasSubstr("Count"));
  EXPECT_EQ(result.response, nullptr);
  EXPECT_EQ(service.count(), 0);
}

TEST(RunCall, ExceptionsBecomeInternalWithMetadataKept) {
  TestService service;
  test::TestRequest request;
  request.set_text("kaboom");
  CallResult thrown = RunCall(MakeCall(service, "Throw", request));
  EXPECT_EQ(thrown.status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(std::string(thrown.status.message()), HasSubstr("kaboom"));
  EXPECT_EQ(thrown.response, nullptr);

  CallResult odd = RunCall(MakeCall(service, "ThrowInt", request));
  EXPECT_EQ(odd.status.code(), absl::StatusCode::kInternal);
}

TEST(RunCall, ReturnedErrorKeepsCodeMessageAndMetadata) {
  TestService service;
  test::TestRequest request;
  request.set_code(static_cast<int>(absl::StatusCode::kNotFound));
  request.set_message("no such row");
  CallResult result = RunCall(MakeCall(service, "Fail", request));
  EXPECT_EQ(result.status.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(std::string(result.status.message()), "no such row");
  EXPECT_EQ(result.metadata.at("x-failed"), "yes");
  EXPECT_EQ(result.response, nullptr);
}

// A CallTask's connection: the server end of a socketpair behind a
// ConnectionOutput, the client end to read responses from, and the loop's
// side of the completion queue.
struct TaskFixture {
  TaskFixture() : sockets(test::MakeSocketPair()) {
    output = std::make_shared<ConnectionOutput>(sockets.server_end.get(),
                                                kNoQueueLimit);
    absl::StatusOr<std::unique_ptr<WakeupFd>> created = WakeupFd::Create();
    EXPECT_TRUE(created.ok());
    wakeup = std::move(*created);
    completions = std::make_unique<CompletionQueue>(wakeup.get());
  }

  const std::shared_ptr<DeferredAnswerGate> answer_gate =
      std::make_shared<DeferredAnswerGate>();

  std::unique_ptr<WorkerTask> Task(const TestService& service,
                                   absl::string_view method) {
    return MakeCallTask(
        std::make_unique<Call>(MakeCall(service, method, test::TestRequest())),
        output, completions.get(), &answer_gate);
  }

  // Every whole Response the client end has received so far.
  std::vector<wire::Response> Received() {
    return test::TakeResponses(sockets.client_end.get(), &received);
  }

  // The connection ids of the finished calls the loop would take now.
  std::vector<uint64_t> Finished() {
    std::vector<uint64_t> finished;
    completions->TakeAll(&finished);
    return finished;
  }

  // Whether the loop, asleep in poll, was woken.
  bool LoopWoken() {
    pollfd p{wakeup->fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
  }

  test::SocketPair sockets;
  std::shared_ptr<ConnectionOutput> output;
  std::unique_ptr<WakeupFd> wakeup;
  std::unique_ptr<CompletionQueue> completions;
  Buffer received;
};

TEST(CallTask, SendsItsOwnResponseWithoutWakingTheLoop) {
  TaskFixture f;
  TestService service;
  ASSERT_TRUE(f.completions->PrepareToSleep());
  f.Task(service, "Count")->Run();
  std::vector<wire::Response> responses = f.Received();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].call_id(), 11u);
  EXPECT_EQ(responses[0].code(), 0);
  EXPECT_TRUE(f.output->empty());
  EXPECT_FALSE(f.LoopWoken());
  // The loop still hears of the call on its next pass.
  EXPECT_EQ(f.Finished(), (std::vector<uint64_t>{3}));
}

TEST(CallTask, LeavesItsResponseBehindBytesAlreadyQueued) {
  TaskFixture f;
  TestService service;
  // Whoever queued these sends them, the task's response with them.
  f.output->AppendStatus(7, absl::NotFoundError("queued first"));
  ASSERT_TRUE(f.completions->PrepareToSleep());
  f.Task(service, "Count")->Run();
  EXPECT_TRUE(f.Received().empty());
  EXPECT_FALSE(f.LoopWoken());
  ASSERT_EQ(f.output->Send(), ConnectionOutput::SendOutcome::kSent);
  std::vector<wire::Response> responses = f.Received();
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].call_id(), 7u);
  EXPECT_EQ(responses[1].call_id(), 11u);
}

TEST(CallTask, WakesTheLoopWhenTheSocketIsFull) {
  TaskFixture f;
  TestService service;
  // Fill the socket, so the response cannot go out now.
  const std::string chunk(64 << 10, 'x');
  while (::send(f.sockets.server_end.get(), chunk.data(), chunk.size(), 0) >
         0) {
  }
  ASSERT_TRUE(f.completions->PrepareToSleep());
  f.Task(service, "Count")->Run();
  EXPECT_FALSE(f.output->empty());
  EXPECT_TRUE(f.LoopWoken());
}

TEST(CallTask, WakesTheLoopWhenItWaitsOnTheConnection) {
  TaskFixture f;
  TestService service;
  f.output->set_loop_waits(true);
  ASSERT_TRUE(f.completions->PrepareToSleep());
  f.Task(service, "Count")->Run();
  EXPECT_EQ(f.Received().size(), 1u);
  EXPECT_TRUE(f.LoopWoken());
}

TEST(CallTask, CancelAnswersUnavailable) {
  TaskFixture f;
  TestService service;
  f.Task(service, "Count")->Cancel();
  std::vector<wire::Response> responses = f.Received();
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].call_id(), 11u);
  EXPECT_EQ(responses[0].code(),
            static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_THAT(responses[0].message(), HasSubstr("shutting down"));
  EXPECT_EQ(service.count(), 0);
  EXPECT_EQ(f.Finished(), (std::vector<uint64_t>{3}));
}

TEST(CallTask, ResultForAClosedConnectionIsDropped) {
  TaskFixture f;
  TestService service;
  f.output->Close();
  f.Task(service, "Count")->Run();
  EXPECT_TRUE(f.Received().empty());
  EXPECT_EQ(service.count(), 1);
  EXPECT_EQ(f.Finished(), (std::vector<uint64_t>{3}));
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
