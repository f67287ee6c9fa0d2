// Hostile peers against a real Server over loopback sockets. Each case ends
// with the same check: a fresh, well-behaved client still gets correct
// answers, and the server holds no descriptor for the peers that are gone.
#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/server_options.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"
#include "gtest/gtest.h"
#include "tests/reliability/process_stats.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace reliability {
namespace {

using test::CallOnce;
using test::kWait;
using test::MakeRequest;
using test::ParseReply;
using test::RawClient;
using test::RawResponse;
using test::ServerHarness;
using test::TestService;

// The check every case ends with.
void ExpectFreshClientServed(ServerHarness& harness) {
  static int serial = 0;
  const std::string text = absl::StrCat("fresh ", ++serial);
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 7, TestService::Method("Echo"), MakeRequest(text));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->header.call_id(), 7u);
  EXPECT_EQ(response->code(), absl::StatusCode::kOk);
  EXPECT_EQ(ParseReply(*response).text(), text);
}

// The server has closed every connection it should have: the process is
// back to `baseline` descriptors (the server's close follows the peer's
// asynchronously, hence the bounded wait).
void ExpectFdsBackTo(int baseline) {
  EXPECT_TRUE(Eventually([&] { return OpenFds() <= baseline; }, kWait))
      << OpenFds() << " descriptors open, " << baseline << " before";
}

// Reads the connection-error response (call_id 0, `code`), then the end.
void ExpectConnectionError(RawClient& client, absl::StatusCode code) {
  absl::StatusOr<absl::optional<RawResponse>> response = client.Read();
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_TRUE(response->has_value()) << "closed without an error response";
  EXPECT_EQ((*response)->header.call_id(), 0u);
  EXPECT_EQ((*response)->code(), code) << (*response)->header.message();
  EXPECT_TRUE(client.ReadsEndOfStream());
}

// True once the server has dropped the connection: end of stream or a
// reset seen by a read (pending responses are skipped).
bool ServerClosed(RawClient& client, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  char buffer[4096];
  while (absl::Now() < deadline) {
    pollfd pfd{client.fd(), POLLIN, 0};
    const int64_t left = absl::ToInt64Milliseconds(deadline - absl::Now());
    if (::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left, 1))) <= 0)
      continue;
    const ssize_t n = ::recv(client.fd(), buffer, sizeof(buffer), 0);
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;
  }
  return false;
}

std::string Prefix(uint32_t length) {
  char prefix[kFrameHeaderSize];
  EncodeFrameLength(length, prefix);
  return std::string(prefix, kFrameHeaderSize);
}

std::string Framed(absl::string_view body) {
  return Prefix(static_cast<uint32_t>(body.size())) + std::string(body);
}

TEST(HostilePeer, LengthPrefixFFFFFFF0IsAnsweredClosedAndNeverBuffered) {
  ServerHarness harness;  // default max_frame_size, 16 MiB
  ASSERT_TRUE(harness.Start().ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  const int64_t rss_before = ResidentKib();
  for (int i = 0; i < 8; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    // The prefix and a little of the promised 4 GiB body.
    ASSERT_TRUE(client->SendRaw(Prefix(0xFFFFFFF0u) + "body").ok());
    ExpectConnectionError(*client, absl::StatusCode::kResourceExhausted);
  }
  const int64_t grown_kib = ResidentKib() - rss_before;
  // Buffering even one such body up to the limit would touch 16 MiB.
  EXPECT_LT(grown_kib, 4 << 10) << "RSS grew by " << grown_kib << " KiB";
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

// One frame a client should never send, and what the server must do.
struct BadFrame {
  const char* name;
  std::string bytes;
  // kOk: answered per call (call_id 1, `code`), the connection stays open;
  // otherwise a call_id 0 connection error with this code, then a close.
  bool connection_error;
  absl::StatusCode code;
};

std::vector<BadFrame> BadFrames() {
  const std::string echo = MakeRequest("x").SerializeAsString();
  wire::Request with_unknown_field;
  with_unknown_field.set_call_id(1);
  with_unknown_field.set_method(TestService::Method("Echo"));
  with_unknown_field.set_payload(echo);
  std::string unknown = with_unknown_field.SerializeAsString();
  unknown += std::string("\xa0\x06\x2a", 3);  // field 100, varint 42
  return {
      {"GarbageBody", Framed(std::string("\x00\x01\x02garbage", 10)), true,
       absl::StatusCode::kInvalidArgument},
      {"AllOnes", Framed(std::string(64, '\xff')), true,
       absl::StatusCode::kInvalidArgument},
      {"TruncatedVarint", Framed("\x08\xff"), true,
       absl::StatusCode::kInvalidArgument},
      {"ZeroLengthFrame", Prefix(0), true, absl::StatusCode::kInvalidArgument},
      {"CallIdZero", test::EncodeRequest(0, TestService::Method("Echo"), echo),
       true, absl::StatusCode::kInvalidArgument},
      {"MethodNotUtf8",
       test::EncodeRequest(1, std::string("a\xff\xfe/b", 5), echo), true,
       absl::StatusCode::kInvalidArgument},
      {"EmptyMethod", test::EncodeRequest(1, "", echo), false,
       absl::StatusCode::kUnimplemented},
      {"MethodWithoutSlash", test::EncodeRequest(1, "framerpc.test.Echo", echo),
       false, absl::StatusCode::kUnimplemented},
      {"MethodOnlySlash", test::EncodeRequest(1, "/", echo), false,
       absl::StatusCode::kUnimplemented},
      {"MethodTwoSlashes",
       test::EncodeRequest(1, TestService::Method("Echo/Echo"), echo), false,
       absl::StatusCode::kUnimplemented},
      {"MethodWithNul",
       test::EncodeRequest(1, TestService::Method(std::string("Ec\0ho", 5)),
                           echo),
       false, absl::StatusCode::kUnimplemented},
      {"PayloadNotTheRequestType",
       test::EncodeRequest(1, TestService::Method("Echo"), "\xff\xff\xff"),
       false, absl::StatusCode::kInvalidArgument},
      {"UnknownEnvelopeFieldIsIgnored", Framed(unknown), false,
       absl::StatusCode::kOk},
  };
}

class BadFrameTest : public ::testing::TestWithParam<BadFrame> {};

TEST_P(BadFrameTest, IsAnsweredAndOthersAreStillServed) {
  const BadFrame& bad = GetParam();
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> bystander = harness.Connect();
  ASSERT_TRUE(bystander.ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE(client->SendRaw(bad.bytes).ok());
    if (bad.connection_error) {
      ExpectConnectionError(*client, bad.code);
    } else {
      absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
      ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
      EXPECT_EQ((*response)->header.call_id(), 1u);
      EXPECT_EQ((*response)->code(), bad.code) << (*response)->header.message();
      // The same connection still serves a good call.
      absl::StatusOr<RawResponse> good = CallOnce(
          *client, 2, TestService::Method("Echo"), MakeRequest("after"));
      ASSERT_TRUE(good.ok()) << good.status();
      EXPECT_EQ(ParseReply(*good).text(), "after");
    }
  }
  EXPECT_EQ(harness.service().count(), 0);
  ExpectFdsBackTo(fds);
  // A connection open all along is unaffected.
  absl::StatusOr<RawResponse> response = CallOnce(
      *bystander, 1, TestService::Method("Echo"), MakeRequest("bystander"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(ParseReply(*response).text(), "bystander");
  ExpectFreshClientServed(harness);
}

INSTANTIATE_TEST_SUITE_P(Frames, BadFrameTest, ::testing::ValuesIn(BadFrames()),
                         [](const ::testing::TestParamInfo<BadFrame>& info) {
                           return std::string(info.param.name);
                         });

// The slow-loris bug: the idle clock restarted on every byte read, so a peer
// trickling a frame one byte at a time was never closed.
TEST(HostilePeer, SlowLorisOneByteAtATimeIsReapedByTheIdleTimeout) {
  ServerOptions options;
  options.num_workers = 1;
  options.idle_timeout = absl::Seconds(1);
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  absl::StatusOr<RawClient> loris = harness.Connect();
  ASSERT_TRUE(loris.ok());
  // A frame that would be valid, sent a byte every 250 ms: four bytes per
  // idle period, far more often than the timeout.
  const std::string frame = test::EncodeRequest(
      1, TestService::Method("Echo"),
      MakeRequest(std::string(200, 'z')).SerializeAsString());
  const absl::Time start = absl::Now();
  bool reaped = false;
  size_t sent = 0;
  while (!reaped && sent < frame.size() &&
         absl::Now() - start < absl::Seconds(8)) {
    if (::send(loris->fd(), frame.data() + sent, 1, MSG_NOSIGNAL) != 1) {
      reaped = true;  // EPIPE or ECONNRESET: the server closed it
      break;
    }
    ++sent;
    // Timed sending, not synchronisation; a close shows up as readable.
    reaped = ServerClosed(*loris, absl::Milliseconds(250));
    // While the loris holds its connection, it holds no worker.
    if (sent == 2) ExpectFreshClientServed(harness);
  }
  const absl::Duration lasted = absl::Now() - start;
  EXPECT_TRUE(reaped) << "still open after " << lasted << " and " << sent
                      << " bytes";
  EXPECT_GE(lasted, absl::Milliseconds(900));
  EXPECT_LT(lasted, absl::Seconds(4));  // idle_timeout + one timer tick
  EXPECT_EQ(harness.service().count(), 0);
  loris->Close();
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, WholeRequestsMoreOftenThanTheIdleTimeoutKeepAConnection) {
  ServerOptions options;
  options.idle_timeout = absl::Milliseconds(500);
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // Six idle timeouts' worth of calls, one every 200 ms (timed sending).
  for (int i = 1; i <= 15; ++i) {
    absl::StatusOr<RawResponse> response = CallOnce(
        *client, i, TestService::Method("Echo"), MakeRequest("steady"));
    ASSERT_TRUE(response.ok()) << "call " << i << ": " << response.status();
    absl::SleepFor(absl::Milliseconds(200));
  }
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, SilentConnectionsAreReapedAndHoldNoWorker) {
  ServerOptions options;
  options.num_workers = 1;
  options.idle_timeout = absl::Seconds(1);
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  std::vector<RawClient> silent;
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    silent.push_back(*std::move(client));
  }
  ExpectFreshClientServed(harness);  // one worker, still free
  const absl::Time start = absl::Now();
  for (RawClient& client : silent) {
    // Told first, then closed.
    EXPECT_TRUE(ReadDrainNotice(client, absl::Seconds(5)).ok());
    EXPECT_TRUE(client.ReadsEndOfStream(absl::Seconds(5)));
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  silent.clear();
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, ConnectionFloodBeyondMaxConnectionsIsRefusedPromptly) {
  ServerOptions options;
  options.max_connections = 4;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  const int fds = OpenFds();
  std::vector<RawClient> existing;
  for (int i = 0; i < 4; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    existing.push_back(*std::move(client));
    absl::StatusOr<RawResponse> response = CallOnce(
        existing.back(), 1, TestService::Method("Echo"), MakeRequest("in"));
    ASSERT_TRUE(response.ok() && response->code() == absl::StatusCode::kOk);
  }
  std::vector<RawClient> flood;
  for (int i = 0; i < 200; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    // The backlog may overflow under a flood; a refused connect is fine.
    if (client.ok()) flood.push_back(*std::move(client));
  }
  // Each flooding connection is answered RESOURCE_EXHAUSTED and closed, or
  // just closed, promptly.
  const absl::Time start = absl::Now();
  int refused_with_status = 0;
  for (RawClient& client : flood) {
    absl::StatusOr<absl::optional<RawResponse>> response =
        client.Read(absl::Seconds(5));
    if (response.ok() && response->has_value()) {
      EXPECT_EQ((*response)->header.call_id(), 0u);
      EXPECT_EQ((*response)->code(), absl::StatusCode::kResourceExhausted);
      ++refused_with_status;
      EXPECT_TRUE(ServerClosed(client, absl::Seconds(5)));
    } else if (!response.ok()) {
      // A reset (the server closed with our bytes unread) is a close too;
      // only a timeout is a failure.
      EXPECT_NE(response.status().code(), absl::StatusCode::kDeadlineExceeded)
          << response.status();
    }
  }
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_GT(refused_with_status, 0);
  // The existing clients never noticed.
  for (RawClient& client : existing) {
    absl::StatusOr<RawResponse> response = CallOnce(
        client, 2, TestService::Method("Echo"), MakeRequest("still here"));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(ParseReply(*response).text(), "still here");
  }
  flood.clear();
  existing.clear();
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

// Sends requests 1..`limit` (made by `request`) as fast as the socket
// takes them until all are sent or no byte goes for `stall`. Returns the
// bytes sent; `*all_sent` tells whether that was everything.
size_t SendUntilStalled(int fd, int limit,
                        const std::function<std::string(int)>& request,
                        absl::Duration stall, bool* all_sent) {
  std::string pending;
  int queued = 0;
  size_t sent = 0;
  *all_sent = false;
  while (true) {
    while (pending.size() < (256 << 10) && queued < limit) {
      pending += request(++queued);
    }
    if (pending.empty()) {
      *all_sent = true;
      return sent;
    }
    const ssize_t n =
        ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      pending.erase(0, static_cast<size_t>(n));
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno != EAGAIN && errno != EINTR) return sent;
    pollfd pfd{fd, POLLOUT, 0};
    if (::poll(&pfd, 1, static_cast<int>(absl::ToInt64Milliseconds(stall))) ==
        0) {
      return sent;  // stalled: the server stopped reading
    }
  }
}

TEST(HostilePeer, PipelinerThatNeverReadsIsThrottledAndMemoryStaysBounded) {
  ServerOptions options;
  options.num_workers = 4;
  options.max_calls_per_connection = 16;
  options.max_pending_output_bytes = 1 << 20;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  const int64_t rss_before = ResidentKib();

  constexpr int kRequests = 10000;
  constexpr int kReplySize = 64 << 10;  // 625 MiB of replies if unbounded
  test::TestRequest request;
  request.set_code(kReplySize);
  request.set_message(std::string(4 << 10, 'r'));  // 40 MiB of requests
  const std::string body = request.SerializeAsString();
  absl::StatusOr<RawClient> greedy = harness.Connect();
  ASSERT_TRUE(greedy.ok());
  bool all_sent = false;
  const size_t sent = SendUntilStalled(
      greedy->fd(), kRequests,
      [&](int i) {
        return test::EncodeRequest(static_cast<uint64_t>(i),
                                   TestService::Method("Sized"), body);
      },
      absl::Seconds(1), &all_sent);
  // The server stopped reading long before the end (backpressure)...
  EXPECT_FALSE(all_sent) << sent << " bytes sent";
  // ...and stops running its calls: the count settles.
  absl::StatusOr<int> settled =
      harness.WaitForCallCountToSettle(absl::Milliseconds(500), kWait);
  ASSERT_TRUE(settled.ok()) << settled.status();
  const int last = *settled;
  // Replies the server could hold: its output limit plus what the kernel
  // buffers on loopback, plus the calls in flight.
  EXPECT_LT(last, 1000) << "calls run for a client that reads nothing";
  const int64_t grown_kib = ResidentKib() - rss_before;
  std::printf(
      "never-reading pipeliner: %zu KiB of %d requests sent, %d run, "
      "RSS %+lld KiB\n",
      sent >> 10, kRequests, last, static_cast<long long>(grown_kib));
  EXPECT_LT(grown_kib, (128 << 10) + kAllocatorSlackKib)
      << "RSS grew by " << grown_kib << " KiB";

  // Everyone else is served meanwhile.
  ExpectFreshClientServed(harness);
  greedy->Close();
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, DisconnectsMidFrameLeaveNothingBehind) {
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  ExpectFreshClientServed(harness);
  const int fds = OpenFds();
  const std::string frame = test::EncodeRequest(
      1, TestService::Method("Count"), MakeRequest("cut").SerializeAsString());
  // Every cut point: inside the prefix, inside the body, one byte short.
  for (size_t cut = 1; cut < frame.size(); ++cut) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    ASSERT_TRUE(client->SendRaw(absl::string_view(frame).substr(0, cut)).ok());
    client->Close();
  }
  ExpectFdsBackTo(fds);
  EXPECT_EQ(harness.service().count(), 0);
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, DisconnectWhileCallsRunAndQueueLeavesNothingBehind) {
  ServerOptions options;
  options.num_workers = 2;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  const int fds = OpenFds();
  {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    // Calls run (blocked) and wait to run.
    for (int i = 1; i <= 6; ++i) {
      ASSERT_TRUE(
          client->Send(i, TestService::Method("Block"), MakeRequest("b")).ok());
    }
    ASSERT_TRUE(harness.service().gate().WaitForArrivals(2, kWait));
    client->Close();
  }
  // A close looks like a half-close (the peer may still read), so the
  // server keeps the connection while its calls run; then the calls
  // finish, their results go nowhere, and it closes. (The first result
  // written draws a reset from the peer's kernel: calls still queued then
  // end unrun, so how many reach the handler depends on timing.)
  harness.service().gate().Open();
  ExpectFdsBackTo(fds);
  ExpectFreshClientServed(harness);
}

TEST(HostilePeer, ResetWhileCallsRunClosesAtOnceAndDropsTheirResults) {
  ServerOptions options;
  options.num_workers = 2;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  const int fds = OpenFds();
  {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    for (int i = 1; i <= 2; ++i) {
      ASSERT_TRUE(
          client->Send(i, TestService::Method("Block"), MakeRequest("b")).ok());
    }
    ASSERT_TRUE(harness.service().gate().WaitForArrivals(2, kWait));
    // Close with a reset (linger 0), not a FIN.
    const linger reset{1, 0};
    ASSERT_EQ(::setsockopt(client->fd(), SOL_SOCKET, SO_LINGER, &reset,
                           sizeof(reset)),
              0);
    client->Close();
  }
  // A reset leaves nobody to answer: the server closes while both calls
  // still hold their workers...
  ExpectFdsBackTo(fds);
  // ...and drops their results when they finish.
  harness.service().gate().Open();
  ExpectFreshClientServed(harness);
  ExpectFdsBackTo(fds);
}

}  // namespace
}  // namespace reliability
}  // namespace framerpc
