// End-to-end tests of services added with ServiceOptions::inline_handlers:
// their handlers run on the loop thread, and everything a worker-run call
// guarantees (answers, statuses, exceptions, deadlines, the limits,
// shutdown) still holds.
#include <poll.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/server.h"
#include "framerpc/service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

ServiceOptions Inline() {
  ServiceOptions options;
  options.inline_handlers = true;
  return options;
}

// Records the thread each call ran on.
class ThreadRecorder final : public Service {
 public:
  explicit ThreadRecorder(absl::string_view name) : Service(name) {
    AddUnaryMethod("Where", &ThreadRecorder::Where);
  }
  absl::Status Where(ServerContext&, const TestRequest& request,
                     TestReply* reply) {
    reply->set_text(request.text());
    std::lock_guard<std::mutex> lock(mu_);
    threads_.insert(std::this_thread::get_id());
    return absl::OkStatus();
  }
  // The threads recorded since the last call, forgotten.
  std::set<std::thread::id> TakeThreads() {
    std::lock_guard<std::mutex> lock(mu_);
    std::set<std::thread::id> taken;
    taken.swap(threads_);
    return taken;
  }

 private:
  std::mutex mu_;
  std::set<std::thread::id> threads_;
};

TEST(ServerInline, PipelinedCallsAreAnsweredInRequestOrder) {
  ServerHarness harness(ServerOptions(), Inline());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr int kCalls = 200;
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) {
    burst += EncodeRequest(
        i, TestService::Method("Echo"),
        MakeRequest(absl::StrCat("call ", i)).SerializeAsString());
  }
  ASSERT_TRUE(client->SendRaw(burst).ok());
  // Inline, a connection's calls run one after another as decoded, so the
  // answers come back in request order.
  for (int i = 1; i <= kCalls; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value()) << "closed after " << i - 1;
    const RawResponse& r = **response;
    EXPECT_EQ(r.header.call_id(), static_cast<uint64_t>(i));
    EXPECT_EQ(r.code(), absl::StatusCode::kOk);
    EXPECT_EQ(ParseReply(r).text(), absl::StrCat("call ", i));
  }
}

// Each connection is served by one loop for its whole life, the loops
// taking new connections in turn: a connection's calls, of an inline
// service or not, all run on its loop's thread while none blocks (no
// hand-off to a worker), and every loop serves some of them.
TEST(ServerInline, ShortCallsRunOnTheirConnectionsLoopInlineOrNot) {
  ThreadRecorder inline_service("framerpc.test.InlineThreads");
  ThreadRecorder pooled_service("framerpc.test.PooledThreads");
  ServerOptions options;
  options.num_workers = 2;
  options.num_loops = 3;
  Server server(options);
  ASSERT_TRUE(server.AddService(&inline_service, Inline()).ok());
  ASSERT_TRUE(
      server.AddService(&pooled_service).ok());  // docs/api.md §4's form
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server.Start().ok());
  const std::string address = absl::StrCat("127.0.0.1:", server.port());

  uint64_t call_id = 1;
  std::set<std::thread::id> loops;
  for (int connection = 0; connection < 6; ++connection) {
    absl::StatusOr<RawClient> client = RawClient::Connect(address);
    ASSERT_TRUE(client.ok());
    for (int i = 0; i < 4; ++i) {
      for (const char* method : {"framerpc.test.InlineThreads/Where",
                                 "framerpc.test.PooledThreads/Where"}) {
        absl::StatusOr<RawResponse> response =
            CallOnce(*client, call_id++, method, MakeRequest(method));
        ASSERT_TRUE(response.ok()) << response.status();
        EXPECT_EQ(response->code(), absl::StatusCode::kOk);
        EXPECT_EQ(ParseReply(*response).text(), method);
      }
    }
    const std::set<std::thread::id> loop = inline_service.TakeThreads();
    ASSERT_EQ(loop.size(), 1u)
        << "connection " << connection << "'s inline calls ran on "
        << loop.size() << " threads";
    loops.insert(*loop.begin());
    EXPECT_EQ(pooled_service.TakeThreads(), loop)
        << "connection " << connection
        << "'s other calls did not all run on its loop's thread";
  }
  EXPECT_EQ(loops.size(), 3u) << "connections were not spread over the loops";
  for (const std::thread::id& loop : loops) {
    EXPECT_NE(loop, std::this_thread::get_id());
  }
  server.Shutdown();
}

TEST(ServerInline, StatusesAndExceptionsAreAnsweredAndServingGoesOn) {
  ServerHarness harness(ServerOptions(), Inline());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();

  absl::StatusOr<RawResponse> thrown = CallOnce(
      *client, 1, TestService::Method("Throw"), MakeRequest("disk on fire"));
  ASSERT_TRUE(thrown.ok()) << thrown.status();
  EXPECT_EQ(thrown->code(), absl::StatusCode::kInternal);
  EXPECT_THAT(thrown->header.message(), HasSubstr("disk on fire"));

  absl::StatusOr<RawResponse> odd =
      CallOnce(*client, 2, TestService::Method("ThrowInt"), MakeRequest(""));
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(odd->code(), absl::StatusCode::kInternal);

  TestRequest failing = MakeRequest("");
  failing.set_code(static_cast<int>(absl::StatusCode::kPermissionDenied));
  failing.set_message("not yours");
  absl::StatusOr<RawResponse> failed =
      CallOnce(*client, 3, TestService::Method("Fail"), failing);
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(failed->header.message(), "not yours");
  EXPECT_EQ(failed->header.metadata().at("x-failed"), "yes");

  absl::StatusOr<RawResponse> garbage = [&]() -> absl::StatusOr<RawResponse> {
    absl::Status sent =
        client->SendPayload(4, TestService::Method("Echo"), "\xff\xff\xff");
    if (!sent.ok()) return sent;
    absl::StatusOr<absl::optional<RawResponse>> r = client->Read();
    if (!r.ok()) return r.status();
    if (!r->has_value()) return absl::UnavailableError("closed");
    return **r;
  }();
  ASSERT_TRUE(garbage.ok()) << garbage.status();
  EXPECT_EQ(garbage->code(), absl::StatusCode::kInvalidArgument);

  absl::StatusOr<RawResponse> unknown =
      CallOnce(*client, 5, TestService::Method("Nope"), MakeRequest(""));
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->code(), absl::StatusCode::kUnimplemented);

  absl::StatusOr<RawResponse> echo = CallOnce(
      *client, 6, TestService::Method("Echo"), MakeRequest("still here"));
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(ParseReply(*echo).text(), "still here");
}

TEST(ServerInline, ExpiredDeadlineIsAnsweredWithoutRunningTheHandler) {
  ServerHarness harness(ServerOptions(), Inline());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // One write, so one read brings both: the second call (1 ms timeout) is
  // received, then waits behind the first, which holds the loop itself.
  ASSERT_TRUE(client
                  ->SendRaw(absl::StrCat(
                      EncodeRequest(1, TestService::Method("Block"),
                                    MakeRequest("").SerializeAsString()),
                      EncodeRequest(2, TestService::Method("Count"),
                                    MakeRequest("").SerializeAsString(), 1000)))
                  .ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  absl::SleepFor(absl::Milliseconds(5));  // the deadline must really pass
  harness.service().gate().Open();
  for (const uint64_t id : {uint64_t{1}, uint64_t{2}}) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    const RawResponse& r = **response;
    EXPECT_EQ(r.header.call_id(), id);
    EXPECT_EQ(r.code(), id == 1 ? absl::StatusCode::kOk
                                : absl::StatusCode::kDeadlineExceeded);
  }
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerInline, PendingOutputStopsDispatchUntilThePeerReads) {
  TempDir dir;
  ServerOptions options;
  options.max_pending_output_bytes = 1;
  ServerHarness harness(options, Inline());
  ASSERT_TRUE(harness.Start(absl::StrCat("unix:", dir.File("bp.sock"))).ok());
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(client.ok());
  constexpr int kCalls = 4;
  constexpr int kReplySize = 4 << 20;
  TestRequest request;
  request.set_code(kReplySize);
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) {
    burst += EncodeRequest(i, TestService::Method("Sized"),
                           request.SerializeAsString());
  }
  ASSERT_TRUE(client->SendRaw(burst).ok());
  pollfd readable{client->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, absl::ToInt64Milliseconds(kWait)), 1);
  // While this client reads nothing, no further call runs (a timed wait
  // for an absence, not synchronisation).
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(harness.service().count(), 1);
  for (int i = 1; i <= kCalls; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->header.call_id(), static_cast<uint64_t>(i));
    EXPECT_EQ(ParseReply(**response).text().size(),
              static_cast<size_t>(kReplySize));
  }
  EXPECT_EQ(harness.service().count(), kCalls);
}

TEST(ServerInline, ShutdownAnswersWhatWasSentAndCloses) {
  ServerHarness harness(ServerOptions(), Inline());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> echo =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x"));
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(ParseReply(*echo).text(), "x");
  harness.server().Shutdown(absl::Seconds(5));
  EXPECT_TRUE(ReadDrainNotice(*client).ok());
  EXPECT_TRUE(client->ReadsEndOfStream());
}

}  // namespace
}  // namespace test
}  // namespace framerpc
