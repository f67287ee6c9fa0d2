#include "server/connection.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/types/optional.h"
#include "framing/frame_decoder.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"
#include "rpc/call_codec.h"
#include "server/call.h"
#include "server/lent_input.h"
#include "tests/server/socket_pair.h"

namespace framerpc {
namespace internal {
namespace {

const absl::Time kStart = absl::FromUnixSeconds(1000);
constexpr size_t kPendingLimit = 64 << 20;

struct Fixture {
  Fixture() {
    test::SocketPair pair = test::MakeSocketPair();
    conn = std::make_unique<Connection>(7, std::move(pair.server_end), "peer",
                                        1024, kPendingLimit, kStart);
    peer = std::move(pair.client_end);
  }
  std::unique_ptr<Connection> conn;
  UniqueFd peer;
};

TEST(Connection, WantsInputOnlyWhileOpenAndUnderTheLimits) {
  Fixture f;
  ServerOptions options;
  options.max_calls_per_connection = 2;
  options.max_pending_output_bytes = 10;
  EXPECT_TRUE(f.conn->WantsInput(options, false));
  EXPECT_FALSE(f.conn->WantsInput(options, /*server_stopping=*/true));
  f.conn->AddCall();
  EXPECT_TRUE(f.conn->WantsInput(options, false));
  f.conn->AddCall();
  EXPECT_FALSE(f.conn->CanStartCall(options));
  EXPECT_FALSE(f.conn->WantsInput(options, false));
  f.conn->FinishCall(kStart);
  EXPECT_TRUE(f.conn->WantsInput(options, false));
  f.conn->output().AppendStatus(1, absl::InternalError("over ten bytes"));
  EXPECT_FALSE(f.conn->WantsInput(options, false));
  f.conn->output().TakeAll();
  f.conn->MarkReadClosed();
  EXPECT_FALSE(f.conn->WantsInput(options, false));
}

TEST(Connection, CancelMarksOnlyTheNamedLiveCall) {
  Fixture f;
  std::shared_ptr<CallCancellation> first = f.conn->TrackCall(1);
  std::shared_ptr<CallCancellation> second = f.conn->TrackCall(2);
  EXPECT_FALSE(f.conn->CancelCall(3));  // unknown
  // Still queued: the caller of CancelCall answers it, and it never starts.
  EXPECT_TRUE(f.conn->CancelCall(2));
  EXPECT_TRUE(second->cancelled.load());
  EXPECT_TRUE(second->by_caller.load());
  EXPECT_FALSE(second->connection_closed.load());
  EXPECT_EQ(second->state.load(), CallCancellation::kAnsweredEarly);
  EXPECT_FALSE(first->cancelled.load());
  // Running: marked, but its runner answers it.
  first->state.store(CallCancellation::kStarted);
  EXPECT_FALSE(f.conn->CancelCall(1));
  EXPECT_TRUE(first->cancelled.load());
  EXPECT_EQ(first->state.load(), CallCancellation::kStarted);
  first.reset();  // the call finished
  std::shared_ptr<CallCancellation> third = f.conn->TrackCall(3);
  third.reset();
  EXPECT_FALSE(f.conn->CancelCall(3));
}

TEST(Connection, PeerEndOfStreamAndCloseCancelTheCallsInFlight) {
  Fixture f;
  std::shared_ptr<CallCancellation> call = f.conn->TrackCall(1);
  f.conn->MarkReadClosed();
  // The peer only finished sending: the call still runs, but may stop early.
  EXPECT_TRUE(call->cancelled.load());
  EXPECT_FALSE(call->by_caller.load());
  EXPECT_FALSE(call->connection_closed.load());
  f.conn->CancelAllCalls();
  EXPECT_TRUE(call->connection_closed.load());
  EXPECT_EQ(f.conn->tracked_calls(), 0u);
}

TEST(Connection, FinishedCallsLeaveTheTableBounded) {
  Fixture f;
  // One call in flight at a time, as a client calling in a loop: dead
  // entries are swept once there are 2 x calls in flight + 16 of them.
  for (uint64_t id = 1; id <= 10000; ++id) {
    f.conn->AddCall();
    std::shared_ptr<CallCancellation> call = f.conn->TrackCall(id);
    f.conn->FinishCall(kStart);
  }
  EXPECT_LE(f.conn->tracked_calls(), 18u);
}

TEST(Connection, DrainingSendsTheNoticeOnceAndKeepsReading) {
  Fixture f;
  ServerOptions options;
  options.max_calls_per_connection = 1;
  f.conn->AddCall();
  EXPECT_FALSE(f.conn->WantsInput(options, false));  // at the call limit
  f.conn->StartDraining(kStart + absl::Milliseconds(250));
  f.conn->StartDraining(kStart + absl::Seconds(9));  // no second notice
  EXPECT_TRUE(f.conn->draining());
  // Every request is answered at once now: the call limit does not apply.
  EXPECT_TRUE(f.conn->WantsInput(options, /*server_stopping=*/true));
  DecodedResponse notice;
  const std::string bytes = f.conn->output().TakeAll();
  ASSERT_EQ(bytes.size(), 6u);
  ASSERT_TRUE(DecodeResponse(absl::string_view(bytes).substr(4), &notice).ok());
  EXPECT_EQ(notice.call_id, 0u);
  EXPECT_TRUE(notice.status.ok());
  EXPECT_TRUE(notice.draining);
  // Finished only once the call is answered and the window is over.
  EXPECT_FALSE(f.conn->DrainFinished(kStart + absl::Seconds(1)));
  f.conn->FinishCall(kStart);
  EXPECT_FALSE(f.conn->DrainFinished(kStart + absl::Milliseconds(100)));
  EXPECT_TRUE(f.conn->DrainFinished(kStart + absl::Milliseconds(250)));
  EXPECT_EQ(f.conn->CloseDeadline(absl::Minutes(5)),
            kStart + absl::Milliseconds(250));
}

// Regression: every call in flight used to append its response whatever
// was queued, so a peer that read nothing pinned the limit plus one
// response per call in flight. A call now starts only if the calls in
// flight, each adding a response as large as the largest so far, leave the
// queue under the limit.
TEST(Connection, StartsOnlyCallsWhoseRepliesFitUnderTheOutputLimit) {
  Fixture f;
  ServerOptions options;
  options.max_pending_output_bytes = 1000;
  // Nothing known of the replies yet: the first calls are not held back
  // (the output's own bound holds their replies).
  f.conn->AddCall();
  f.conn->AddCall();
  EXPECT_TRUE(f.conn->CanStartCall(options));
  f.conn->FinishCall(kStart);
  f.conn->FinishCall(kStart);
  f.conn->output().AppendStatus(1, absl::InternalError(std::string(240, 'e')));
  const size_t reply = f.conn->output().readable_bytes();
  ASSERT_EQ(f.conn->output().largest_response(), reply);
  ASSERT_GT(reply, 250u);
  ASSERT_LT(reply, 300u);
  // Queued: one reply (< 300). Each call in flight expects another.
  f.conn->AddCall();
  EXPECT_TRUE(f.conn->CanStartCall(options));  // 1 queued + 1 < 1000
  f.conn->AddCall();
  EXPECT_TRUE(f.conn->CanStartCall(options));  // 1 queued + 2 < 1000
  f.conn->AddCall();
  EXPECT_FALSE(f.conn->CanStartCall(options));  // 1 queued + 3 >= 1000
  // The peer reads what is queued: room for one more.
  f.conn->output().TakeAll();
  EXPECT_TRUE(f.conn->CanStartCall(options));
}

TEST(Connection, ReadReservesTheWholeFrame) {
  Fixture f;
  char prefix[4];
  EncodeFrameLength(900, prefix);
  ASSERT_EQ(::write(f.peer.get(), prefix, 4), 4);
  int error = 0;
  ASSERT_EQ(f.conn->ReadInput(&error), 4);
  EXPECT_EQ(f.conn->decoder().BytesMissing(f.conn->input()), 900u);
  ASSERT_EQ(f.conn->ReadInput(&error), -1);
  EXPECT_EQ(error, EAGAIN);
}

// The slow-loris bug: every byte read used to restart the idle clock, so a
// peer sending one byte a second was never closed.
TEST(Connection, SlowLorisBytesOfAPartialFrameAreNotActivity) {
  Fixture f;
  int error = 0;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(::write(f.peer.get(), "\0", 1), 1);
    ASSERT_EQ(f.conn->ReadInput(&error), 1);
  }
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(10)),
            kStart + absl::Seconds(10));
  f.conn->NoteRequest(kStart + absl::Seconds(4));  // a whole frame arrived
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(10)),
            kStart + absl::Seconds(14));
}

TEST(Connection, SendOutputStopsWhenTheSocketIsFull) {
  Fixture f;
  int size = 1;  // clamped up to the kernel's minimum
  ::setsockopt(f.conn->fd(), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
  f.conn->output().AppendStatus(1,
                                absl::InternalError(std::string(1 << 20, 'z')));
  const size_t queued = f.conn->output().readable_bytes();
  int error = 0;
  const ssize_t sent = f.conn->SendOutput(&error, kStart + absl::Seconds(3));
  ASSERT_GT(sent, 0);
  EXPECT_LT(static_cast<size_t>(sent), queued);
  EXPECT_EQ(f.conn->output().readable_bytes(),
            queued - static_cast<size_t>(sent));
  // A partial write is not activity: a peer that reads a few bytes at a
  // time cannot keep the connection open.
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(1)), kStart + absl::Seconds(1));

  f.peer.Reset();
  EXPECT_EQ(f.conn->SendOutput(&error, kStart), -1);
  EXPECT_EQ(error, EPIPE);  // and no SIGPIPE
}

TEST(Connection, FailQueuesOneConnectionErrorThenLingers) {
  Fixture f;
  f.conn->input().Append("half a frame");
  f.conn->Fail(absl::InvalidArgumentError("bad frame"));
  EXPECT_EQ(f.conn->state(), Connection::State::kFailing);
  EXPECT_TRUE(f.conn->input().empty());
  // Results of calls still running are dropped from now on.
  CallResult late;
  late.call_id = 5;
  EXPECT_FALSE(f.conn->output().AppendResult(late));

  int error = 0;
  ASSERT_GT(f.conn->SendOutput(&error, kStart), 0);
  f.conn->StartLingering(kStart + absl::Seconds(2));
  EXPECT_EQ(f.conn->state(), Connection::State::kLingering);
  EXPECT_TRUE(f.conn->WantsInput(ServerOptions(), true));
  EXPECT_EQ(f.conn->CloseDeadline(absl::Hours(1)), kStart + absl::Seconds(2));
  // The peer sees the one response, then the end of the stream.
  Buffer received;
  while (received.ReadFromFd(f.peer.get(), &error) > 0) {
  }
  FrameDecoder decoder(1 << 20);
  absl::StatusOr<absl::optional<Frame>> frame = decoder.Next(received);
  ASSERT_TRUE(frame.ok() && frame->has_value());
  wire::Response response;
  ASSERT_TRUE(response.ParseFromArray((*frame)->body.data(),
                                      static_cast<int>((*frame)->body.size())));
  EXPECT_EQ(response.call_id(), 0u);
  EXPECT_EQ(response.message(), "bad frame");
  received.Retrieve((*frame)->frame_size);
  EXPECT_TRUE(received.empty());
  char buffer[256];
  EXPECT_EQ(::read(f.peer.get(), buffer, sizeof(buffer)), 0);
  // What the peer still sends is dropped.
  ASSERT_EQ(::write(f.peer.get(), "more", 4), 4);
  EXPECT_EQ(f.conn->DiscardInput(&error), 4);
  EXPECT_TRUE(f.conn->input().empty());
}

TEST(Connection, WritingAllOutputIsActivity) {
  Fixture f;
  f.conn->output().AppendStatus(1, absl::OkStatus());
  int error = 0;
  ASSERT_GT(f.conn->SendOutput(&error, kStart + absl::Seconds(3)), 0);
  ASSERT_TRUE(f.conn->output().empty());
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(1)), kStart + absl::Seconds(4));
}

TEST(Connection, NotIdleWhileACallIsInFlight) {
  Fixture f;
  f.conn->AddCall();
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(1)), absl::InfiniteFuture());
  f.conn->FinishCall(kStart + absl::Seconds(5));
  EXPECT_EQ(f.conn->CloseDeadline(absl::Seconds(1)), kStart + absl::Seconds(6));
}

TEST(Connection, LendingTheInputKeepsWhatFollowsTheFrameAndReusesTheSpare) {
  Fixture f;
  const std::string frame = "[frame with the request]";
  f.conn->input().Append(frame + "next frame's start");
  const size_t first_capacity = f.conn->input().capacity();
  const absl::string_view payload =
      f.conn->input().readable().substr(1, frame.size() - 2);
  absl::optional<LentInput> lent(f.conn->LendInput(frame.size(), payload));
  EXPECT_EQ(lent->payload(), "frame with the request");
  EXPECT_EQ(f.conn->input().readable(), "next frame's start");
  // The call ends: its buffer is the spare that the next lending reads on
  // into.
  lent.reset();
  f.conn->input().RetrieveAll();
  f.conn->input().Append(frame);
  LentInput second = f.conn->LendInput(frame.size(), "");
  EXPECT_TRUE(f.conn->input().empty());
  EXPECT_EQ(f.conn->input().capacity(), first_capacity);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
