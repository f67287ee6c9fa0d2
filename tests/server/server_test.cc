// End-to-end tests of framerpc::Server through raw sockets: transports,
// dispatch, every status a call can end with, the ServerContext, and the
// Server's own API errors. Limits and shutdown have their own files.
#include "framerpc/server.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/server_core.h"
#include "tests/server/raw_client.h"
#include "tests/server/server_harness.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {
namespace {

using ::testing::HasSubstr;

bool Exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

void ExpectEchoWorksAt(const std::string& address, absl::string_view text) {
  absl::StatusOr<RawClient> client = RawClient::Connect(address);
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest(text));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->code(), absl::StatusCode::kOk)
      << response->header.message();
  EXPECT_EQ(ParseReply(*response).text(), text);
}

void ExpectEchoWorks(ServerHarness& harness, absl::string_view text) {
  ExpectEchoWorksAt(harness.address(), text);
}

TEST(Server, EchoOverTcpV4) {
  ServerHarness harness;
  ASSERT_TRUE(harness.Start("127.0.0.1:0").ok());
  EXPECT_GT(harness.server().port(), 0);
  ExpectEchoWorks(harness, "hello over IPv4");
}

TEST(Server, EchoOverTcpV4Wildcard) {
  ServerHarness harness;
  ASSERT_TRUE(harness.Start("0.0.0.0:0").ok());
  absl::StatusOr<RawClient> client =
      RawClient::Connect(absl::StrCat("127.0.0.1:", harness.server().port()));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("x"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(ParseReply(*response).text(), "x");
}

TEST(Server, EchoOverIpv6Loopback) {
  ServerHarness harness;
  absl::Status started = harness.Start("[::1]:0");
  if (!started.ok()) GTEST_SKIP() << "no IPv6 loopback here: " << started;
  EXPECT_EQ(harness.address(), absl::StrCat("[::1]:", harness.server().port()));
  ExpectEchoWorks(harness, "hello over IPv6");
}

TEST(Server, Ipv6WildcardAlsoServesIpv4) {
  ServerHarness harness;
  absl::Status started = harness.Start("[::]:0");
  if (!started.ok()) GTEST_SKIP() << "no IPv6 here: " << started;
  absl::StatusOr<RawClient> client =
      RawClient::Connect(absl::StrCat("127.0.0.1:", harness.server().port()));
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest("dual"));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(ParseReply(*response).text(), "dual");
}

TEST(Server, EchoOverUnixSocketAndFileRemovedAtShutdown) {
  TempDir dir;
  const std::string path = dir.File("echo.sock");
  {
    ServerHarness harness;
    ASSERT_TRUE(harness.Start(absl::StrCat("unix:", path)).ok());
    EXPECT_EQ(harness.server().port(), 0);
    EXPECT_TRUE(Exists(path));
    ExpectEchoWorks(harness, "hello over a unix socket");

    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok());
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, 5, TestService::Method("Inspect"), MakeRequest(""));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(ParseReply(*response).peer(), absl::StrCat("unix:", path));
    harness.server().Shutdown();
    EXPECT_FALSE(Exists(path));
  }
}

TEST(Server, PipelinedRequestsAreAllAnsweredWithTheirCallIds) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  constexpr int kCalls = 200;
  std::string burst;
  for (int i = 1; i <= kCalls; ++i) {
    burst += EncodeRequest(
        i, TestService::Method("Echo"),
        MakeRequest(absl::StrCat("call ", i)).SerializeAsString());
  }
  ASSERT_TRUE(client->SendRaw(burst).ok());  // one write: many frames per read
  std::set<uint64_t> answered;
  for (int i = 0; i < kCalls; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value()) << "closed after " << i << " responses";
    const RawResponse& r = **response;
    EXPECT_EQ(r.code(), absl::StatusCode::kOk);
    EXPECT_EQ(ParseReply(r).text(), absl::StrCat("call ", r.header.call_id()));
    EXPECT_TRUE(answered.insert(r.header.call_id()).second)
        << "call " << r.header.call_id() << " answered twice";
  }
  EXPECT_EQ(answered.size(), static_cast<size_t>(kCalls));
  EXPECT_EQ(*answered.begin(), 1u);
  EXPECT_EQ(*answered.rbegin(), static_cast<uint64_t>(kCalls));
}

TEST(Server, LargeRequestAndResponseRoundTrip) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  std::string text(6 << 20, '\0');
  for (size_t i = 0; i < text.size(); ++i)
    text[i] = static_cast<char>('a' + i % 26);
  for (uint64_t call = 1; call <= 2; ++call) {  // the second reuses the buffers
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, call, TestService::Method("Echo"), MakeRequest(text));
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_EQ(response->code(), absl::StatusCode::kOk);
    EXPECT_TRUE(ParseReply(*response).text() == text);
  }
}

TEST(Server, BlockedHandlerDoesNotDelayAnotherConnection) {
  ServerOptions options;
  options.num_workers = 2;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.Start().ok());
  absl::StatusOr<RawClient> blocked = harness.Connect();
  absl::StatusOr<RawClient> other = harness.Connect();
  ASSERT_TRUE(blocked.ok() && other.ok());
  ASSERT_TRUE(
      blocked->Send(1, TestService::Method("Block"), MakeRequest("slow")).ok());
  ASSERT_TRUE(harness.service().gate().WaitForArrivals(1, kWait));

  // The blocked call holds a worker; this one must be answered meanwhile.
  absl::StatusOr<RawResponse> quick =
      CallOnce(*other, 1, TestService::Method("Echo"), MakeRequest("quick"));
  ASSERT_TRUE(quick.ok()) << quick.status();
  EXPECT_EQ(ParseReply(*quick).text(), "quick");
  EXPECT_EQ(harness.service().gate().arrivals(), 1);

  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> slow = blocked->Read();
  ASSERT_TRUE(slow.ok() && slow->has_value()) << slow.status();
  EXPECT_EQ(ParseReply(**slow).text(), "slow");
}

TEST(Server, CallReadWithABlockedOneStillGetsAWorker) {
  // Both requests arrive in one write, so the loop queues them together:
  // the second does not wake a worker of its own (the first one's worker
  // is expected to take it), and only the loop's check of calls waiting
  // behind a busy worker gets it answered while the first one blocks.
  ServerOptions options;
  options.num_workers = 2;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const std::string both =
      EncodeRequest(1, TestService::Method("Block"),
                    MakeRequest("slow").SerializeAsString()) +
      EncodeRequest(2, TestService::Method("Echo"),
                    MakeRequest("quick").SerializeAsString());
  ASSERT_TRUE(client->SendRaw(both).ok());
  absl::StatusOr<absl::optional<RawResponse>> quick = client->Read();
  ASSERT_TRUE(quick.ok() && quick->has_value()) << quick.status();
  EXPECT_EQ((*quick)->header.call_id(), 2u);
  EXPECT_EQ(ParseReply(**quick).text(), "quick");
  EXPECT_EQ(harness.service().gate().arrivals(), 1);

  harness.service().gate().Open();
  absl::StatusOr<absl::optional<RawResponse>> slow = client->Read();
  ASSERT_TRUE(slow.ok() && slow->has_value()) << slow.status();
  EXPECT_EQ(ParseReply(**slow).text(), "slow");
}

TEST(Server, UnknownOrMalformedMethodIsUnimplemented) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const std::vector<std::string> methods = {
      TestService::Method("NoSuchMethod"),
      "no.such.Service/Echo",
      "Echo",
      "/Echo",
      "framerpc.test.TestService/",
      "framerpc.test.TestService/Echo/extra",
      "",
  };
  uint64_t call_id = 0;
  for (const std::string& method : methods) {
    SCOPED_TRACE(method);
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, ++call_id, method, MakeRequest("x"));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->code(), absl::StatusCode::kUnimplemented);
    EXPECT_THAT(response->header.message(),
                HasSubstr(absl::StrCat("'", method)))
        << response->header.message();
  }
  // The connection is still good.
  absl::StatusOr<RawResponse> echo = CallOnce(
      *client, ++call_id, TestService::Method("Echo"), MakeRequest("ok"));
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(echo->code(), absl::StatusCode::kOk);
}

TEST(Server, UnparsablePayloadIsInvalidArgument) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // Field 1, length-delimited, claims 5 bytes but 2 follow.
  ASSERT_TRUE(client
                  ->SendPayload(3, TestService::Method("Count"),
                                "\x0a\x05"
                                "ab")
                  .ok());
  absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
  ASSERT_TRUE(response.ok() && response->has_value());
  EXPECT_EQ((*response)->header.call_id(), 3u);
  EXPECT_EQ((*response)->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT((*response)->header.message(),
              HasSubstr("framerpc.test.TestRequest"));
  EXPECT_EQ(harness.service().count(), 0);
}

TEST(Server, ThrowingHandlerIsInternalAndTheServerKeepsServing) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();

  absl::StatusOr<RawResponse> thrown = CallOnce(
      *client, 1, TestService::Method("Throw"), MakeRequest("disk on fire"));
  ASSERT_TRUE(thrown.ok()) << thrown.status();
  EXPECT_EQ(thrown->code(), absl::StatusCode::kInternal);
  EXPECT_THAT(thrown->header.message(), HasSubstr("disk on fire"));
  EXPECT_TRUE(thrown->payload.empty());

  absl::StatusOr<RawResponse> odd =
      CallOnce(*client, 2, TestService::Method("ThrowInt"), MakeRequest(""));
  ASSERT_TRUE(odd.ok()) << odd.status();
  EXPECT_EQ(odd->code(), absl::StatusCode::kInternal);
  EXPECT_THAT(odd->header.message(),
              HasSubstr("not derived from std::exception"));

  absl::StatusOr<RawResponse> echo = CallOnce(
      *client, 3, TestService::Method("Echo"), MakeRequest("still here"));
  ASSERT_TRUE(echo.ok());
  EXPECT_EQ(ParseReply(*echo).text(), "still here");
}

TEST(Server, ReturnedStatusArrivesIntactForEveryCode) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  for (int code = 1; code <= 16; ++code) {
    TestRequest request;
    request.set_code(code);
    request.set_message(
        absl::StrCat("failure ", code, ": d\xC3\xA9j\xC3\xA0 vu\n\t"));
    absl::StatusOr<RawResponse> response =
        CallOnce(*client, static_cast<uint64_t>(code),
                 TestService::Method("Fail"), request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->header.code(), code);
    EXPECT_EQ(response->header.message(), request.message());
    EXPECT_TRUE(response->payload.empty());
    EXPECT_EQ(response->header.metadata().at("x-failed"), "yes");
  }
}

TEST(Server, ContextAndMetadataReachTheHandlerAndComeBack) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const Metadata metadata = {{"x-trace", "abc"},
                             {"x-binary", std::string("\0\xff\x01", 3)}};
  const absl::Time before = absl::Now();
  absl::StatusOr<RawResponse> response =
      CallOnce(*client, 9, TestService::Method("Inspect"), MakeRequest("hi"),
               /*timeout_us=*/10'000'000, metadata);
  const absl::Time after = absl::Now();
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->code(), absl::StatusCode::kOk)
      << response->header.message();
  const TestReply reply = ParseReply(*response);
  EXPECT_EQ(reply.peer(), client->LocalAddress());
  EXPECT_EQ(reply.method(), TestService::Method("Inspect"));
  EXPECT_EQ(reply.metadata().size(), 2u);
  EXPECT_EQ(reply.metadata().at("x-trace"), "abc");
  EXPECT_EQ(reply.metadata().at("x-binary"), std::string("\0\xff\x01", 3));
  const absl::Time deadline = absl::FromUnixMicros(reply.deadline_unix_us());
  EXPECT_GE(deadline, before + absl::Seconds(10));
  EXPECT_LE(deadline, after + absl::Seconds(10));
  // Response metadata round trip.
  EXPECT_EQ(response->header.metadata().size(), 2u);
  EXPECT_EQ(response->header.metadata().at("echo-x-trace"), "abc");
  EXPECT_EQ(response->header.metadata().at("echo-x-binary"),
            std::string("\0\xff\x01", 3));

  // Without a timeout there is no deadline.
  absl::StatusOr<RawResponse> no_deadline =
      CallOnce(*client, 10, TestService::Method("Inspect"), MakeRequest(""));
  ASSERT_TRUE(no_deadline.ok());
  EXPECT_EQ(ParseReply(*no_deadline).deadline_unix_us(), 0);
  EXPECT_TRUE(no_deadline->header.metadata().empty());
}

TEST(Server, ExpiredDeadlineIsAnsweredWithoutRunningTheHandler) {
  ServerOptions options;
  options.num_workers = 1;
  ServerHarness harness(options);
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  // Occupy every thread that may run a handler (calls 10, 11, ...).
  absl::StatusOr<int> held =
      HoldEveryHandlerThread(harness, *client, 1, 10, "");
  ASSERT_TRUE(held.ok()) << held.status();
  // Queue a call with a 1 ms timeout behind them; the round trip proves the
  // server has received it.
  ASSERT_TRUE(
      client->Send(2, TestService::Method("Count"), MakeRequest(""), 1000)
          .ok());
  ASSERT_TRUE(RoundTripThroughTheLoop(*client, 3).ok());
  // Not synchronisation: the deadline must actually pass.
  absl::SleepFor(absl::Milliseconds(5));
  harness.service().gate().Open();

  std::set<uint64_t> seen;
  for (int i = 0; i < 1 + *held; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    const RawResponse& r = **response;
    seen.insert(r.header.call_id());
    if (r.header.call_id() == 2) {
      EXPECT_EQ(r.code(), absl::StatusCode::kDeadlineExceeded);
      EXPECT_THAT(r.header.message(), HasSubstr("deadline"));
    } else {
      EXPECT_EQ(r.code(), absl::StatusCode::kOk);
    }
  }
  EXPECT_EQ(seen, (std::set<uint64_t>{2, 10, 11}));
  EXPECT_EQ(harness.service().count(), 0);
}

// Megabyte requests, alone in the input buffer or sharing it with the next
// one, reach their handlers intact, and the connection reads on after them.
TEST(Server, LargeRequestsArriveIntactAloneInTheBufferOrNot) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  std::string big(1 << 20, 'x');
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i % 26);

  absl::StatusOr<RawResponse> alone =
      CallOnce(*client, 1, TestService::Method("Echo"), MakeRequest(big));
  ASSERT_TRUE(alone.ok()) << alone.status();
  EXPECT_EQ(ParseReply(*alone).text(), big);

  std::string pair;
  for (uint64_t id : {2, 3}) {
    pair += EncodeRequest(id, TestService::Method("Echo"),
                          MakeRequest(big + std::to_string(id))
                              .SerializeAsString());
  }
  ASSERT_TRUE(client->SendRaw(pair).ok());
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    const uint64_t id = (*response)->header.call_id();
    EXPECT_EQ(ParseReply(**response).text(), big + std::to_string(id));
  }
  // And the connection reads on normally after them.
  absl::StatusOr<RawResponse> small =
      CallOnce(*client, 4, TestService::Method("Echo"), MakeRequest("small"));
  ASSERT_TRUE(small.ok()) << small.status();
  EXPECT_EQ(ParseReply(*small).text(), "small");
}

TEST(Server, HalfClosedClientStillGetsItsResponses) {
  ServerHarness harness;
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  ASSERT_TRUE(
      client->Send(1, TestService::Method("Echo"), MakeRequest("a")).ok());
  ASSERT_TRUE(
      client->Send(2, TestService::Method("Echo"), MakeRequest("b")).ok());
  ASSERT_EQ(::shutdown(client->fd(), SHUT_WR), 0);
  std::set<std::string> texts;
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read();
    ASSERT_TRUE(response.ok() && response->has_value()) << response.status();
    texts.insert(ParseReply(**response).text());
  }
  EXPECT_EQ(texts, (std::set<std::string>{"a", "b"}));
  EXPECT_TRUE(client->ReadsEndOfStream());
}

TEST(Server, AddServiceRefusesDuplicatesAndLateRegistration) {
  TestService first, second;
  Server server;
  ASSERT_TRUE(server.AddService(&first).ok());
  absl::Status duplicate = server.AddService(&second);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(duplicate.message()), HasSubstr(TestService::kName));
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server.Start().ok());
  TestService late;
  EXPECT_EQ(server.AddService(&late).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.Listen("127.0.0.1:0").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(Server, ListenAndStartErrors) {
  Server server;
  absl::Status bad = server.Listen("no-port-here");
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(bad.message()), HasSubstr("no-port-here"));
  EXPECT_EQ(server.port(), 0);
  EXPECT_EQ(server.Start().code(), absl::StatusCode::kFailedPrecondition);

  ServerOptions options;
  options.max_connections = 0;
  Server misconfigured(options);
  ASSERT_TRUE(misconfigured.Listen("127.0.0.1:0").ok());
  absl::Status start = misconfigured.Start();
  EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(start.message()), HasSubstr("max_connections"));

  ServerOptions no_idle;
  no_idle.idle_timeout = absl::Milliseconds(-1500);
  Server never_idle(no_idle);
  ASSERT_TRUE(never_idle.Listen("127.0.0.1:0").ok());
  start = never_idle.Start();
  EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(start.message()),
              HasSubstr("ServerOptions::idle_timeout is -1500ms;"));

  ServerOptions no_poller;
  no_poller.poller = static_cast<PollerKind>(7);
  Server unpolled(no_poller);
  ASSERT_TRUE(unpolled.Listen("127.0.0.1:0").ok());
  start = unpolled.Start();
  EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(start.message()),
              HasSubstr("ServerOptions::poller is 7;"));
}

TEST(Server, StartRefusesKeepaliveTimesThatAreNotPositive) {
  struct Case {
    absl::Duration time;
    absl::Duration timeout;
    const char* expected;
  };
  for (const Case& c : {
           Case{absl::ZeroDuration(), absl::Seconds(10),
                "ServerOptions::keepalive_time is 0s; it must be positive"},
           Case{
               absl::Seconds(-2), absl::Seconds(10),
               "ServerOptions::keepalive_time is -2000ms; it must be positive"},
           Case{absl::Seconds(30), absl::ZeroDuration(),
                "ServerOptions::keepalive_timeout is 0s; it must be positive"},
           Case{absl::Seconds(30), absl::Milliseconds(-250),
                "ServerOptions::keepalive_timeout is -250ms; it must be "
                "positive"},
       }) {
    SCOPED_TRACE(c.expected);
    ServerOptions options;
    options.keepalive_time = c.time;
    options.keepalive_timeout = c.timeout;
    Server server(options);
    ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
    absl::Status start = server.Start();
    EXPECT_EQ(start.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(start.message()),
              absl::StrCat("start server: ", c.expected));
  }
  // Sub-second and infinite values are usable (the kernel's are rounded up
  // or capped; base/tcp_keepalive.h).
  for (const absl::Duration value :
       {absl::Milliseconds(1), absl::InfiniteDuration()}) {
    ServerOptions options;
    options.keepalive_time = value;
    options.keepalive_timeout = value;
    Server server(options);
    ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
    EXPECT_TRUE(server.Start().ok()) << value;
  }
}

TEST(Server, ServesWithEitherPoller) {
  for (const PollerKind kind : {PollerKind::kPoll, PollerKind::kEpoll}) {
    const int epolls_before = CountEpollInstances();
    ServerOptions options;
    options.poller = kind;
    options.num_loops = 2;  // a poller each
    TestService service;
    Server server(options);
    ASSERT_TRUE(server.AddService(&service).ok());
    ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server.Start().ok());
    EXPECT_EQ(CountEpollInstances() - epolls_before,
              kind == PollerKind::kEpoll ? 2 : 0);
    ExpectEchoWorksAt(absl::StrCat("127.0.0.1:", server.port()),
                      "on either poller");
  }
}

// ctest runs the server suites under each poller (FRAMERPC_TEST_POLLER):
// the harness must really run the one named.
TEST(Server, HarnessRunsThePollerTheEnvironmentNames) {
  const int epolls_before = CountEpollInstances();
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  // One poller per loop, and the harness runs the default: one per core.
  EXPECT_EQ(CountEpollInstances() - epolls_before,
            HarnessPoller() == PollerKind::kEpoll
                ? internal::ResolveLoopCount(0)
                : 0);
  ExpectEchoWorks(harness, "on the named poller");
}

TEST(Server, PortIsTheFirstTcpListeners) {
  TempDir dir;
  Server server;
  ASSERT_TRUE(server.Listen(absl::StrCat("unix:", dir.File("s.sock"))).ok());
  EXPECT_EQ(server.port(), 0);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  const int first = server.port();
  EXPECT_GT(first, 0);
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  EXPECT_EQ(server.port(), first);
}

}  // namespace
}  // namespace test
}  // namespace framerpc
