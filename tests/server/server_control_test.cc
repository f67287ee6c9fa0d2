// End-to-end tests of the version 2 control methods (docs/protocol.md,
// section 7) and of ServerContext::IsCancelled: Ping and Cancel are
// answered by the loop itself, even while every handler thread is busy; a
// cancelled call that has not started never runs; a running one sees
// IsCancelled(), as it does when its connection goes away; and pings are
// no activity for the idle timeout.
#include <sys/socket.h>

#include <algorithm>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"
#include "rpc/control_methods.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

std::string CancelPayload(uint64_t call_id) {
  wire::CancelRequest cancel;
  cancel.set_call_id(call_id);
  return cancel.SerializeAsString();
}

// Sends AwaitCancel as call `call_id` and waits until its handler runs.
absl::Status StartAwaitCancel(ServerHarness& harness, RawClient& client,
                              uint64_t call_id) {
  const int before = harness.service().await_cancel_arrivals();
  absl::Status sent =
      client.Send(call_id, TestService::Method("AwaitCancel"), MakeRequest(""));
  if (!sent.ok()) return sent;
  if (!harness.service().WaitForAwaitCancelArrivals(before + 1, kWait)) {
    return absl::DeadlineExceededError("AwaitCancel never started");
  }
  return absl::OkStatus();
}

// Reads the next frame; it must be a response.
absl::StatusOr<RawResponse> ReadOne(RawClient& client) {
  absl::StatusOr<absl::optional<RawResponse>> next = client.Read();
  if (!next.ok()) return next.status();
  if (!next->has_value()) {
    return absl::UnavailableError("end of stream where a response was due");
  }
  return **std::move(next);
}

TEST(ServerControl, PingIsAnsweredOkWithoutPayload) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->SendPayload(7, kPingMethod, "").ok());
  absl::StatusOr<RawResponse> answer = ReadOne(*client);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->header.call_id(), 7u);
  EXPECT_EQ(answer->code(), absl::StatusCode::kOk);
  EXPECT_TRUE(answer->payload.empty());
  EXPECT_FALSE(answer->header.not_processed());
  EXPECT_FALSE(answer->header.draining());
  // The connection goes on as before.
  absl::StatusOr<RawResponse> echo =
      CallOnce(*client, 8, TestService::Method("Echo"), MakeRequest("after"));
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(ParseReply(*echo).text(), "after");
}

TEST(ServerControl, PingIsAnsweredWhileEveryHandlerThreadIsBusy) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, 1, 10, "held");
  ASSERT_TRUE(held.ok()) << held.status();
  // No thread is free to run a handler: only the loop can answer.
  ASSERT_TRUE(client->SendPayload(1, kPingMethod, "").ok());
  absl::StatusOr<RawResponse> answer = ReadOne(*client);
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->header.call_id(), 1u);
  EXPECT_EQ(answer->code(), absl::StatusCode::kOk);
  harness.service().gate().Open();
}

TEST(ServerControl, CancelledQueuedCallNeverRunsAndIsAnsweredCancelled) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, 1, 10, "held");
  ASSERT_TRUE(held.ok()) << held.status();
  ASSERT_TRUE(
      client->Send(2, TestService::Method("Count"), MakeRequest("")).ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 3).ok());  // call 2 is queued
  ASSERT_TRUE(client->SendPayload(4, kCancelMethod, CancelPayload(2)).ok());
  // Both answered at once, while every handler thread is still held: the
  // queued call CANCELLED and not processed, the Cancel OK.
  bool cancelled_answered = false;
  std::set<uint64_t> answered;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<RawResponse> response = ReadOne(*client);
    ASSERT_TRUE(response.ok()) << response.status();
    answered.insert(response->header.call_id());
    if (response->header.call_id() == 2) {
      EXPECT_EQ(response->code(), absl::StatusCode::kCancelled)
          << response->header.message();
      EXPECT_TRUE(response->header.not_processed());
      EXPECT_THAT(response->header.message(), HasSubstr("cancelled"));
      cancelled_answered = true;
    } else {
      EXPECT_EQ(response->code(), absl::StatusCode::kOk);
    }
  }
  EXPECT_EQ(answered, (std::set<uint64_t>{2, 4}));

  // Once the workers are free, the held calls finish; call 2 is not run,
  // nor answered again.
  harness.service().gate().Open();
  int held_answered = 0;
  for (int i = 0; i < *held; ++i) {
    absl::StatusOr<RawResponse> response = ReadOne(*client);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_NE(response->header.call_id(), 2u);
    EXPECT_EQ(response->code(), absl::StatusCode::kOk);
    EXPECT_FALSE(response->header.not_processed());
    ++held_answered;
  }
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 5).ok());  // nothing between
  EXPECT_TRUE(cancelled_answered);
  EXPECT_EQ(held_answered, *held);
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerControl, CancelRightBehindItsCallStopsItOnTheLoop) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // One write: the loop decodes both before it runs the call it queued.
  ASSERT_TRUE(client
                  ->SendRaw(EncodeRequest(1, TestService::Method("Count"),
                                          MakeRequest("").SerializeAsString()) +
                            EncodeRequest(2, kCancelMethod, CancelPayload(1)))
                  .ok());
  std::set<uint64_t> answered;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<RawResponse> response = ReadOne(*client);
    ASSERT_TRUE(response.ok()) << response.status();
    answered.insert(response->header.call_id());
    if (response->header.call_id() == 1) {
      EXPECT_EQ(response->code(), absl::StatusCode::kCancelled);
      EXPECT_TRUE(response->header.not_processed());
    } else {
      EXPECT_EQ(response->code(), absl::StatusCode::kOk);
    }
  }
  EXPECT_EQ(answered, (std::set<uint64_t>{1, 2}));
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerControl, CancelledRunningCallSeesIsCancelled) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(StartAwaitCancel(harness, *client, 1).ok());
  ASSERT_TRUE(client->SendPayload(2, kCancelMethod, CancelPayload(1)).ok());
  std::set<uint64_t> answered;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<RawResponse> response = ReadOne(*client);
    ASSERT_TRUE(response.ok()) << response.status();
    answered.insert(response->header.call_id());
    EXPECT_EQ(response->code(), absl::StatusCode::kOk);
    if (response->header.call_id() == 1) {
      // It ran: whatever it returned is sent, not marked not processed.
      EXPECT_EQ(ParseReply(*response).text(), "cancelled");
      EXPECT_FALSE(response->header.not_processed());
    }
  }
  EXPECT_EQ(answered, (std::set<uint64_t>{1, 2}));
  EXPECT_EQ(harness.service().cancellations_seen(), 1);
}

TEST(ServerControl, CancelOfAnUnknownOrFinishedCallIsOk) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("")).ok());
  for (const uint64_t target : {uint64_t{1}, uint64_t{99}}) {
    SCOPED_TRACE(absl::StrCat("cancel call ", target));
    absl::StatusOr<RawResponse> answer = CallOnceWithPayload(
        *client, 10 + target, kCancelMethod, CancelPayload(target));
    ASSERT_TRUE(answer.ok()) << answer.status();
    EXPECT_EQ(answer->code(), absl::StatusCode::kOk);
    EXPECT_TRUE(answer->payload.empty());
  }
  // A later call of a cancelled call's id is a new call: it runs.
  absl::StatusOr<RawResponse> again =
      CallOnce(*client, 99, TestService::Method("Echo"), MakeRequest("new"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->code(), absl::StatusCode::kOk);
  EXPECT_EQ(ParseReply(*again).text(), "new");
}

TEST(ServerControl, CancelWhosePayloadDoesNotParseIsInvalidArgument) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> answer =
      CallOnceWithPayload(*client, 1, kCancelMethod, "\xff");
  ASSERT_TRUE(answer.ok()) << answer.status();
  EXPECT_EQ(answer->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(answer->header.message(), HasSubstr("CancelRequest"));
  // Only that request is refused; the connection serves on.
  absl::StatusOr<RawResponse> ping =
      CallOnceWithPayload(*client, 2, kPingMethod, "");
  ASSERT_TRUE(ping.ok()) << ping.status();
  EXPECT_EQ(ping->code(), absl::StatusCode::kOk);
}

TEST(ServerControl, PeerClosingTheConnectionCancelsARunningCall) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(StartAwaitCancel(harness, *client, 1).ok());
  client->Close();  // a FIN: the caller is gone
  EXPECT_TRUE(harness.service().WaitForCancellationsSeen(1, kWait));
}

TEST(ServerControl, PeerResettingTheConnectionCancelsARunningCall) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(StartAwaitCancel(harness, *client, 1).ok());
  // A zero linger time makes the close a reset.
  const linger reset{1, 0};
  ASSERT_EQ(
      ::setsockopt(client->fd(), SOL_SOCKET, SO_LINGER, &reset, sizeof(reset)),
      0);
  client->Close();
  EXPECT_TRUE(harness.service().WaitForCancellationsSeen(1, kWait));
}

TEST(ServerControl, PingsDoNotKeepAnIdleConnectionOpen) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(500);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const absl::Time start = absl::Now();
  bool drained = false;
  uint64_t call_id = 1;
  // A ping every 100 ms, each answer read, until the drain notice comes.
  while (!drained && absl::Now() - start < kWait) {
    ASSERT_TRUE(client->SendPayload(call_id, kPingMethod, "").ok());
    const absl::Time next_ping = absl::Now() + absl::Milliseconds(100);
    while (absl::Now() < next_ping) {
      absl::StatusOr<absl::optional<RawResponse>> next =
          client->Read(std::max(next_ping - absl::Now(), absl::ZeroDuration()));
      if (!next.ok()) break;  // nothing before the next ping is due
      ASSERT_TRUE(next->has_value()) << "closed before the drain notice";
      if (IsDrainNotice(**next)) {
        drained = true;
        break;
      }
      EXPECT_EQ((*next)->header.call_id(), call_id);
      EXPECT_EQ((*next)->code(), absl::StatusCode::kOk);
    }
    ++call_id;
  }
  ASSERT_TRUE(drained) << "pings kept the connection open for "
                       << absl::FormatDuration(absl::Now() - start);
  // Well before kWait: the idle timeout, plus the timer's tick and slack.
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // Whatever ping raced the notice is answered not processed; then the
  // stream ends.
  while (true) {
    absl::StatusOr<absl::optional<RawResponse>> next = client->Read();
    ASSERT_TRUE(next.ok()) << next.status();
    if (!next->has_value()) break;
    EXPECT_EQ((*next)->code(), absl::StatusCode::kUnavailable);
    EXPECT_TRUE((*next)->header.not_processed());
  }
}

}  // namespace
}  // namespace test
}  // namespace framerpc
