#include "server/call_runner.h"

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/wakeup_fd.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace internal {
namespace {

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
  EXPECT_EQ(result.header.call_id(), 11u);
  EXPECT_EQ(result.header.code(), 0);
  EXPECT_EQ(result.header.metadata().at("echo-k"), "v");
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
  EXPECT_EQ(result.header.code(),
            static_cast<int>(absl::StatusCode::kDeadlineExceeded));
  EXPECT_THAT(result.header.message(), HasSubstr("Count"));
  EXPECT_EQ(result.response, nullptr);
  EXPECT_EQ(service.count(), 0);
}

TEST(RunCall, ExceptionsBecomeInternalWithMetadataKept) {
  TestService service;
  test::TestRequest request;
  request.set_text("kaboom");
  CallResult thrown = RunCall(MakeCall(service, "Throw", request));
  EXPECT_EQ(thrown.header.code(),
            static_cast<int>(absl::StatusCode::kInternal));
  EXPECT_THAT(thrown.header.message(), HasSubstr("kaboom"));
  EXPECT_EQ(thrown.response, nullptr);

  CallResult odd = RunCall(MakeCall(service, "ThrowInt", request));
  EXPECT_EQ(odd.header.code(), static_cast<int>(absl::StatusCode::kInternal));
}

TEST(RunCall, ReturnedErrorKeepsCodeMessageAndMetadata) {
  TestService service;
  test::TestRequest request;
  request.set_code(static_cast<int>(absl::StatusCode::kNotFound));
  request.set_message("no such row");
  CallResult result = RunCall(MakeCall(service, "Fail", request));
  EXPECT_EQ(result.header.code(),
            static_cast<int>(absl::StatusCode::kNotFound));
  EXPECT_EQ(result.header.message(), "no such row");
  EXPECT_EQ(result.header.metadata().at("x-failed"), "yes");
  EXPECT_EQ(result.response, nullptr);
}

TEST(CallTask, CancelAnswersUnavailable) {
  absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
  ASSERT_TRUE(wakeup.ok());
  CompletionQueue completions(wakeup->get());
  TestService service;
  auto call =
      std::make_unique<Call>(MakeCall(service, "Count", test::TestRequest()));
  std::unique_ptr<WorkerTask> task =
      MakeCallTask(std::move(call), &completions);
  task->Cancel();
  std::vector<CallResult> results;
  completions.TakeAll(&results);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].header.call_id(), 11u);
  EXPECT_EQ(results[0].header.code(),
            static_cast<int>(absl::StatusCode::kUnavailable));
  EXPECT_THAT(results[0].header.message(), HasSubstr("shutting down"));
  EXPECT_EQ(service.count(), 0);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
