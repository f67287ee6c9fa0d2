// End-to-end tests of draining (docs/protocol.md, section 7): Shutdown and
// the idle timeout send the drain notice before anything else; requests
// read after it are answered UNAVAILABLE with not_processed while the calls
// in flight finish as usual; the connection then ends with a clean end of
// stream.
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rpc/control_methods.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

// Sends call `call_id` (Count, or a Ping if `ping`) and expects it answered
// UNAVAILABLE, not processed, with a message holding `why`.
void ExpectRefusedNotProcessed(RawClient& client, uint64_t call_id, bool ping,
                               absl::string_view why) {
  absl::StatusOr<RawResponse> refused =
      ping ? CallOnceWithPayload(client, call_id, kPingMethod, "")
           : CallOnce(client, call_id, TestService::Method("Count"),
                      MakeRequest(""));
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ(refused->code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(refused->header.not_processed());
  EXPECT_THAT(refused->header.message(),
              HasSubstr(absl::StrCat("call ", call_id)));
  EXPECT_THAT(refused->header.message(), HasSubstr(std::string(why)));
}

TEST(ServerDrain, ShutdownSendsTheNoticeFirstThenRefusesNewCalls) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // A call in flight keeps the connection open through the drain.
  ASSERT_TRUE(
      client->Send(1, TestService::Method("Block"), MakeRequest("held")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  std::thread stopper([&] { harness.server().Shutdown(kWait); });

  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  // Sent after reading the notice: never started, and said so; control
  // methods too.
  ExpectRefusedNotProcessed(*client, 2, /*ping=*/false, "shutting down");
  ExpectRefusedNotProcessed(*client, 3, /*ping=*/true, "shutting down");

  // The call in flight before the notice finishes as usual.
  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> held = client->Read();
  ASSERT_TRUE(held.ok() && held->has_value()) << held.status();
  EXPECT_EQ((*held)->header.call_id(), 1u);
  EXPECT_EQ((*held)->code(), absl::StatusCode::kOk);
  EXPECT_FALSE((*held)->header.not_processed());
  EXPECT_EQ(ParseReply(**held).text(), "held");
  EXPECT_TRUE(client->ReadsEndOfStream());
  stopper.join();
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerDrain, IdleConnectionGetsTheNoticeThenAnEndOfStream) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("")).ok());
  const absl::Time answered = absl::Now();
  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  EXPECT_GE(absl::Now() - answered, absl::Milliseconds(150));
  // A clean end of stream (a reset would fail the read), nothing before it.
  EXPECT_TRUE(client->ReadsEndOfStream());
  // The server still serves a new connection.
  absl::StatusOr<RawClient> next = harness.Connect();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_TRUE(
      CallOnce(*next, 1, TestService::Method("Echo"), MakeRequest("")).ok());
}

TEST(ServerDrain, RequestRacingTheIdleNoticeIsAnsweredNotProcessed) {
  ServerOptions options;
  options.idle_timeout = absl::Seconds(1);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(ReadDrainNotice(*client).ok());
  // Sent at once, as a client would that had not read the notice yet: the
  // connection still reads for its drain window.
  ExpectRefusedNotProcessed(*client, 1, /*ping=*/false, "idle");
  EXPECT_TRUE(client->ReadsEndOfStream());
  EXPECT_EQ(harness.service().count(), 0);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
