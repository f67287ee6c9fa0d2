// End-to-end tests of the ServerOptions limits and of connection-level
// errors: an oversize or undecodable frame gets one call_id 0 response and
// a close; max_connections, idle_timeout and max_calls_per_connection.
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "framerpc/server.h"
#include "framing/frame_decoder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

// Reads the one connection-error response (call_id 0) and then the end of
// the stream.
void ExpectConnectionError(RawClient& client, absl::StatusCode code,
                           const std::vector<std::string>& message_parts) {
  absl::StatusOr<absl::optional<RawResponse>> response = client.Read();
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_TRUE(response->has_value()) << "closed without an error response";
  EXPECT_EQ((*response)->header.call_id(), 0u);
  EXPECT_EQ((*response)->code(), code) << (*response)->header.message();
  for (const std::string& part : message_parts) {
    EXPECT_THAT((*response)->header.message(), HasSubstr(part));
  }
  EXPECT_TRUE(client.ReadsEndOfStream());
}

void ExpectEchoWorks(RawClient& client, uint64_t call_id) {
  absl::StatusOr<RawResponse> response = CallOnce(
      client, call_id, TestService::Method("Echo"), MakeRequest("alive"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kOk);
  EXPECT_EQ(ParseReply(*response).text(), "alive");
}

// Sends `count` calls of `method` in one write (call ids 1..count) and
// reads as many responses, each of which must be OK.
void PipelineCalls(RawClient& client, absl::string_view method, int count) {
  std::string burst;
  for (int i = 1; i <= count; ++i) {
    burst += EncodeRequest(i, TestService::Method(method),
                           MakeRequest(absl::StrCat(i)).SerializeAsString());
  }
  ASSERT_TRUE(client.SendRaw(burst).ok());
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client.Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->code(), absl::StatusCode::kOk);
  }
}

TEST(ServerLimits, OversizeLengthPrefixIsAnsweredThenClosed) {
  ServerOptions options;
  options.max_frame_size = 1024;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> bystander = harness.Connect();
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(bystander.ok() && client.ok());
  ExpectEchoWorks(*bystander, 1);

  // Only the prefix: a server that waited for the body would never answer.
  char prefix[4];
  EncodeFrameLength(1025, prefix);
  ASSERT_TRUE(client->SendRaw(absl::string_view(prefix, 4)).ok());
  ExpectConnectionError(*client, absl::StatusCode::kResourceExhausted,
                        {client->LocalAddress(), "1025", "1024"});
  ExpectEchoWorks(*bystander, 2);
}

TEST(ServerLimits, FrameAtTheLimitIsServed) {
  const std::string frame = EncodeRequest(
      1, TestService::Method("Echo"), MakeRequest("edge").SerializeAsString());
  ServerOptions options;
  options.max_frame_size = frame.size() - 4;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(client->SendRaw(frame).ok());
  absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
  ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
  EXPECT_EQ(ParseReply(**response).text(), "edge");
}

TEST(ServerLimits, GarbageBodyIsAnsweredInvalidArgumentThenClosed) {
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> bystander = harness.Connect();
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(bystander.ok() && client.ok());
  // Field 0 is never valid protobuf.
  const std::string body = "\x00\x01\x02garbage";
  char prefix[4];
  EncodeFrameLength(static_cast<uint32_t>(body.size()), prefix);
  ASSERT_TRUE(client->SendRaw(std::string(prefix, 4) + body).ok());
  ExpectConnectionError(
      *client, absl::StatusCode::kInvalidArgument,
      {client->LocalAddress(), absl::StrCat(body.size(), "-byte")});
  ExpectEchoWorks(*bystander, 1);
}

TEST(ServerLimits, CallIdZeroIsAnsweredInvalidArgumentThenClosed) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      client->Send(0, TestService::Method("Count"), MakeRequest("")).ok());
  ExpectConnectionError(*client, absl::StatusCode::kInvalidArgument,
                        {client->LocalAddress(), "call_id 0"});
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(ServerLimits, ErrorAfterGoodCallsDropsTheirLateResponses) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // A call still running when the connection fails is not answered after
  // the call_id 0 response.
  ASSERT_TRUE(
      client->Send(1, TestService::Method("Block"), MakeRequest("")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  ASSERT_TRUE(
      client->Send(0, TestService::Method("Echo"), MakeRequest("")).ok());
  absl::StatusOr<absl::optional<RawResponse>> error = client->Read();
  ASSERT_TRUE(error.ok() && error->has_value());
  EXPECT_EQ((*error)->header.call_id(), 0u);
  harness.service().gate().Open();
  EXPECT_TRUE(client->ReadsEndOfStream());
}

TEST(ServerLimits, MaxConnectionsIsEnforced) {
  ServerOptions options;
  options.max_connections = 2;
  // Counted over the whole server: each connection here is on a loop of
  // its own.
  options.num_loops = 3;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> first = harness.Connect();
  absl::StatusOr<RawClient> second = harness.Connect();
  ASSERT_TRUE(first.ok() && second.ok());
  ExpectEchoWorks(*first, 1);  // both are accepted and registered
  ExpectEchoWorks(*second, 1);

  absl::StatusOr<RawClient> third = harness.Connect();
  ASSERT_TRUE(third.ok());  // the kernel accepts; the server then refuses
  ExpectConnectionError(*third, absl::StatusCode::kResourceExhausted,
                        {"2 connections", "max_connections"});

  // Once a connection goes, a new one is served. The server notices the
  // close asynchronously, so refusals may come first (bounded).
  first->Close();
  const absl::Time deadline = absl::Now() + kWait;
  bool served = false;
  while (!served && absl::Now() < deadline) {
    absl::StatusOr<RawClient> next = harness.Connect();
    ASSERT_TRUE(next.ok());
    absl::StatusOr<RawResponse> response =
        CallOnce(*next, 1, TestService::Method("Echo"), MakeRequest("in"));
    served = response.ok() && response->header.call_id() == 1;
  }
  EXPECT_TRUE(served);
}

TEST(ServerLimits, IdleConnectionIsClosed) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(200);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ExpectEchoWorks(*client, 1);
  const absl::Time idle_since = absl::Now();
  // Told first (docs/protocol.md, section 7), then a clean end of stream.
  EXPECT_TRUE(ReadDrainNotice(*client, absl::Seconds(5)).ok());
  EXPECT_GE(absl::Now() - idle_since, absl::Milliseconds(150));
  EXPECT_TRUE(client->ReadsEndOfStream(absl::Seconds(5)));
}

TEST(ServerLimits, ConnectionWithACallInFlightIsNotIdle) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(100);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      client->Send(1, TestService::Method("Block"), MakeRequest("late")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  // Several idle timeouts pass with nothing on the wire (a timed wait for
  // an absence, not synchronisation): the connection must stay open.
  absl::StatusOr<absl::optional<RawResponse>> nothing =
      client->Read(absl::Milliseconds(500));
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.status().code(), absl::StatusCode::kDeadlineExceeded);
  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
  ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
  EXPECT_EQ(ParseReply(**response).text(), "late");
  // Then it idles out: the drain notice, then the end.
  EXPECT_TRUE(ReadDrainNotice(*client, absl::Seconds(5)).ok());
  EXPECT_TRUE(client->ReadsEndOfStream(absl::Seconds(5)));
}

TEST(ServerLimits, PipelinedCallsNeverExceedMaxCallsPerConnection) {
  ServerOptions options;
  options.num_workers = 8;
  options.max_calls_per_connection = 2;
  ServerHarness harness(options);
  harness.service().set_concurrency_limit(2);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  PipelineCalls(*client, "Concurrent", 24);
  EXPECT_LE(harness.service().max_concurrency(), 2);
  EXPECT_GE(harness.service().max_concurrency(), 1);
}

// Workers send their own responses and tell the loop of a finished call
// only when it waits on that connection. A connection held at
// max_calls_per_connection is one it waits on: each finish must wake it to
// dispatch the next request, not leave it asleep until its next timer scan
// (a second away with the default idle_timeout).
TEST(ServerLimits, CallHeldBackByTheLimitStartsAsSoonAsOneFinishes) {
  ServerOptions options;
  options.max_calls_per_connection = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const absl::Time start = absl::Now();
  PipelineCalls(*client, "Echo", 20);
  // Without the wakeup, at least a second per call; with it, microseconds
  // each (5 s is slack for a loaded machine and sanitizers).
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(ServerLimits, PendingOutputStopsDispatchUntilThePeerReads) {
  TempDir dir;
  ServerOptions options;
  options.max_calls_per_connection = 1;
  options.max_pending_output_bytes = 1;
  ServerHarness harness(options);
  // A Unix socket holds a few hundred KiB in flight, far less than the
  // responses, so the server cannot hand them all to the kernel.
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
  // The first reply starts to arrive...
  pollfd readable{client->fd(), POLLIN, 0};
  ASSERT_EQ(::poll(&readable, 1, absl::ToInt64Milliseconds(kWait)), 1);
  // ...and while this client reads nothing, no further call starts (a timed
  // wait for an absence, not synchronisation).
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(harness.service().count(), 1);
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ(ParseReply(**response).text().size(),
              static_cast<size_t>(kReplySize));
  }
  EXPECT_EQ(harness.service().count(), kCalls);
}

// Calls waiting for output room (their connection's peer reads nothing)
// do not keep the connection open: it is closed by the idle timeout like
// any connection that makes no progress, and its waiting calls end without
// running.
TEST(ServerLimits, APeerThatNeverReadsIsClosedByTheIdleTimeoutThoughCallsWait) {
  TempDir dir;
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(300);
  options.max_pending_output_bytes = 1 << 20;
  ServerHarness harness(options);
  // A Unix socket holds far less than the replies, so they stay queued.
  ASSERT_TRUE(harness.Start(absl::StrCat("unix:", dir.File("nr.sock"))).ok());
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(client.ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 1).ok());  // accepted
  const int fds_open = CountOpenFds();

  constexpr int kCalls = 16;
  TestRequest request;
  request.set_code(1 << 20);
  std::string burst;
  for (int i = 0; i < kCalls; ++i) {
    burst += EncodeRequest(10 + static_cast<uint64_t>(i),
                           TestService::Method("Sized"),
                           request.SerializeAsString());
  }
  ASSERT_TRUE(client->SendRaw(burst).ok());
  // The server-side descriptor goes once the connection is closed.
  const absl::Time deadline = absl::Now() + kWait;
  while (CountOpenFds() >= fds_open && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_LT(CountOpenFds(), fds_open)
      << "the connection was not closed by its idle timeout";
  // Not every call ran: those waiting for room ended without running.
  EXPECT_LT(harness.service().count(), kCalls);
}

// A service added inline, whose one method holds the loop thread until
// its gate opens: a way to make the loop look late at a worker's result.
class LoopHolder final : public Service {
 public:
  static constexpr char kHold[] = "framerpc.test.LoopHolder/Hold";
  LoopHolder() : Service("framerpc.test.LoopHolder") {
    AddUnaryMethod("Hold", &LoopHolder::Hold);
  }
  absl::Status Hold(ServerContext&, const TestRequest& request,
                    TestReply* reply) {
    if (!gate_.Pass(kWait)) return absl::DeadlineExceededError("never opened");
    reply->set_text(request.text());
    return absl::OkStatus();
  }
  Gate& gate() { return gate_; }

 private:
  Gate gate_;
};
constexpr char LoopHolder::kHold[];

// What one non-blocking send puts into a fresh Unix stream socket nobody
// reads: the room a server's Unix socket offers a response too.
size_t UnixSocketRoom() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) return 0;
  UniqueFd a(fds[0]);
  UniqueFd b(fds[1]);
  const std::string big(16 << 20, 'x');
  const ssize_t n =
      ::send(a.get(), big.data(), big.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  return n > 0 ? static_cast<size_t>(n) : 0;
}

// Bytes queued for reading on `fd`, once that count has held still for
// `still` (a sender that stopped).
int SettledReadableBytes(int fd, absl::Duration still) {
  int last = -1;
  absl::Time changed = absl::Now();
  const absl::Time deadline = absl::Now() + kWait;
  while (absl::Now() < deadline) {
    int now_readable = 0;
    if (::ioctl(fd, FIONREAD, &now_readable) != 0) return -1;
    if (now_readable != last) {
      last = now_readable;
      changed = absl::Now();
    } else if (last > 0 && absl::Now() - changed >= still) {
      return last;
    }
    absl::SleepFor(absl::Milliseconds(5));
  }
  return last;
}

// Reads exactly `size` bytes from `fd`, appending them to `*out`.
bool ReadExactly(int fd, size_t size, std::string* out) {
  const absl::Time deadline = absl::Now() + kWait;
  char chunk[64 << 10];
  while (size > 0) {
    pollfd readable{fd, POLLIN, 0};
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (left <= 0 || ::poll(&readable, 1, static_cast<int>(left)) != 1) {
      return false;
    }
    const ssize_t n =
        ::recv(fd, chunk, std::min(size, sizeof(chunk)), MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return false;
    if (n > 0) {
      out->append(chunk, static_cast<size_t>(n));
      size -= static_cast<size_t>(n);
    }
  }
  return true;
}

// A request held back by the pending-output limit must start once the
// output drains, whoever drains it. Here the loop itself sends the last
// bytes a worker left (the socket was full for the worker, then the client
// read), and no more input or POLLOUT follows to remind it of the request
// it already read. Staged: the worker's reply is about 1.5 socket-fulls,
// and the loop is held by an inline handler on another connection until
// the worker has left the rest and the client has emptied its socket.
TEST(ServerLimits, RequestHeldBackByOutputStartsWhenTheLoopDrainsIt) {
  TempDir dir;
  ServerOptions options;
  options.max_calls_per_connection = 1;
  options.max_pending_output_bytes = 1;
  LoopHolder holder;
  ServerHarness harness(options);
  ServiceOptions inline_service;
  inline_service.inline_handlers = true;
  ASSERT_TRUE(harness.server().AddService(&holder, inline_service).ok());
  ASSERT_TRUE(harness.Start(absl::StrCat("unix:", dir.File("late.sock"))).ok());
  absl::Cleanup release_loop = [&holder] { holder.gate().Open(); };
  const size_t room = UnixSocketRoom();
  ASSERT_GT(room, 0u);
  absl::StatusOr<RawClient> client = harness.Connect();
  absl::StatusOr<RawClient> other = harness.Connect();
  ASSERT_TRUE(client.ok() && other.ok());

  // Call 1 blocks in a worker; call 2 is read with it and held back.
  const size_t reply_size = room + room / 2;
  TestRequest big_reply;
  big_reply.set_code(static_cast<int>(reply_size));
  ASSERT_TRUE(client
                  ->SendRaw(absl::StrCat(
                      EncodeRequest(1, TestService::Method("Block"),
                                    big_reply.SerializeAsString()),
                      EncodeRequest(2, TestService::Method("Echo"),
                                    MakeRequest("after").SerializeAsString())))
                  .ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  // The loop now runs an inline handler that waits.
  ASSERT_TRUE(other->Send(1, LoopHolder::kHold, MakeRequest("hold")).ok());
  ASSERT_TRUE(holder.gate().WaitForArrivals(1, kWait));
  // The worker replies, fills the socket and leaves the rest to the loop.
  harness.service().gate().Open();
  const int queued =
      SettledReadableBytes(client->fd(), absl::Milliseconds(100));
  ASSERT_GT(queued, 4);
  ASSERT_LT(static_cast<size_t>(queued), reply_size);
  std::string first;
  ASSERT_TRUE(ReadExactly(client->fd(), static_cast<size_t>(queued), &first));
  // The loop is released and finds the worker's leftover, which now fits.
  holder.gate().Open();
  const size_t first_size = 4 + DecodeFrameLength(first.data());
  ASSERT_TRUE(ReadExactly(client->fd(), first_size - first.size(), &first));
  wire::Response header;
  ASSERT_TRUE(header.ParseFromString(first.substr(4)));
  EXPECT_EQ(header.call_id(), 1u);
  TestReply reply;
  ASSERT_TRUE(reply.ParseFromString(header.payload()));
  EXPECT_EQ(reply.text().size(), reply_size);

  absl::StatusOr<absl::optional<RawResponse>> second =
      client->Read(absl::Seconds(5));
  ASSERT_TRUE(second.ok() && second->has_value())
      << "the held-back call never started: " << second.status();
  EXPECT_EQ((*second)->header.call_id(), 2u);
  EXPECT_EQ(ParseReply(**second).text(), "after");
  absl::StatusOr<absl::optional<RawResponse>> held = other->Read();
  ASSERT_TRUE(held.ok() && held->has_value()) << held.status();
  EXPECT_EQ(ParseReply(**held).text(), "hold");
}

TEST(ServerLimits, HeldBackRequestsAnsweredByTheLoopAllGetAnswers) {
  // Each UNIMPLEMENTED answer fills the 1-byte output budget; writing it
  // lifts the limit again without any new bytes arriving.
  ServerOptions options;
  options.max_pending_output_bytes = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr int kCalls = 50;
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) {
    burst += EncodeRequest(i, TestService::Method("Nope"), "");
  }
  ASSERT_TRUE(client->SendRaw(burst).ok());
  for (int i = 1; i <= kCalls; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    EXPECT_EQ((*response)->header.call_id(), static_cast<uint64_t>(i));
    EXPECT_EQ((*response)->code(), absl::StatusCode::kUnimplemented);
  }
}

TEST(ServerLimits, OtherConnectionsAreNotLimitedByOnesBackpressure) {
  ServerOptions options;
  options.num_workers = 4;
  options.max_calls_per_connection = 1;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> busy = harness.Connect();
  absl::StatusOr<RawClient> other = harness.Connect();
  ASSERT_TRUE(busy.ok() && other.ok());
  // busy's first call blocks, so its second waits unread in the server.
  ASSERT_TRUE(
      busy->Send(1, TestService::Method("Block"), MakeRequest("1")).ok());
  ASSERT_TRUE(
      busy->Send(2, TestService::Method("Block"), MakeRequest("2")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));
  ExpectEchoWorks(*other, 1);
  EXPECT_EQ(harness.service().gate().arrivals(), 1);
  harness.service().gate().Open();
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = busy->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
  }
  EXPECT_EQ(harness.service().gate().arrivals(), 2);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
