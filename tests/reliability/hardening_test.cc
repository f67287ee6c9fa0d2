// No single request may stall the loop, a worker or another client: each
// case is a request that once did, sent to a real Server over loopback, with
// the time it now takes printed next to its (generous) bound.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framerpc/server_options.h"
#include "gtest/gtest.h"
#include "proto/health.pb.h"
#include "proto/reflection.pb.h"
#include "server/worker_pool.h"
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
using test::RawClient;
using test::RawResponse;
using test::ServerHarness;
using test::TestReply;
using test::TestRequest;
using test::TestService;

constexpr char kFileContainingSymbol[] =
    "framerpc.reflection.Reflection/FileContainingSymbol";
constexpr char kHealthCheck[] = "framerpc.health.Health/Check";
constexpr int kWorkers = 4;

// Sanitizers slow every step several times over (and CI machines are
// shared); the time bounds stretch with them and stay far below what the
// defects cost (tens of seconds).
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 5;
#else
constexpr int kSlowdown = 1;
#endif
// What "answered fast" means for one request, however hostile.
constexpr absl::Duration kFast = absl::Milliseconds(200 * kSlowdown);

ServerOptions FourWorkers() {
  ServerOptions options;
  options.num_workers = kWorkers;
  return options;
}

// "a.a.a...a", `size` bytes: every character allowed in a full name, and
// the dots are what protobuf's symbol lookup pays for, quadratically.
std::string DottedName(size_t size) {
  std::string name;
  name.reserve(size);
  while (name.size() + 2 < size) name += "a.";
  name.resize(size, 'a');
  return name;
}

std::string SymbolRequest(absl::string_view symbol) {
  reflection::FileContainingSymbolRequest request;
  request.set_symbol(std::string(symbol));
  return request.SerializeAsString();
}

std::string HealthRequest(absl::string_view service) {
  health::HealthCheckRequest request;
  request.set_service(std::string(service));
  return request.SerializeAsString();
}

double Millis(absl::Duration d) { return absl::ToDoubleMilliseconds(d); }

// Sends `payload` to `method` and reads the response, which must be this
// call's; *elapsed is the round trip.
absl::StatusOr<RawResponse> TimedCall(RawClient& client, uint64_t call_id,
                                      absl::string_view method,
                                      absl::string_view payload,
                                      absl::Duration* elapsed) {
  const absl::Time start = absl::Now();
  absl::Status sent = client.SendPayload(call_id, method, payload);
  if (!sent.ok()) return sent;
  absl::StatusOr<absl::optional<RawResponse>> response = client.Read(kWait);
  *elapsed = absl::Now() - start;
  if (!response.ok()) return response.status();
  if (!response->has_value()) {
    return absl::UnavailableError("connection closed before the response");
  }
  return **response;
}

// Nap sleeps request.code milliseconds and echoes. It records how many
// calls tagged "a" had started when the first call tagged "b" started: the
// place the server gave "b" among "a"'s backlog.
class NapService final : public Service {
 public:
  static constexpr char kName[] = "framerpc.hardening.Napper";

  NapService() : Service(kName) { AddUnaryMethod("Nap", &NapService::Nap); }

  bool WaitForStartsOfA(int n, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                        [&] { return a_started_ >= n; });
  }
  // -1 while no "b" call has started.
  int a_started_before_b() {
    std::lock_guard<std::mutex> lock(mu_);
    return a_started_before_b_;
  }

 private:
  absl::Status Nap(ServerContext& /*context*/, const TestRequest& request,
                   TestReply* reply) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (request.text() == "a") {
        ++a_started_;
      } else if (a_started_before_b_ < 0) {
        a_started_before_b_ = a_started_;
      }
    }
    cv_.notify_all();
    std::this_thread::sleep_for(std::chrono::milliseconds(request.code()));
    reply->set_text(request.text());
    return absl::OkStatus();
  }

  std::mutex mu_;
  std::condition_variable cv_;
  int a_started_ = 0;
  int a_started_before_b_ = -1;
};

// Item: FileContainingSymbol with a 120 KB dotted name held a worker for
// 2 s, and four 300 KB ones pinned every worker, so that a fifth client's
// Echo waited for them.
TEST(Hardening, ReflectionOfAHugeDottedNameIsRejectedFast) {
  ServerHarness harness(FourWorkers());
  ASSERT_TRUE(harness.server().EnableReflection().ok());
  ASSERT_TRUE(harness.Start().ok());
  const std::string huge = DottedName(300 << 10);

  std::vector<RawClient> hostile;
  for (int i = 0; i < kWorkers; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    ASSERT_TRUE(
        client->SendPayload(1, kFileContainingSymbol, SymbolRequest(huge))
            .ok());
    hostile.push_back(*std::move(client));
  }
  // A well-behaved client, sent right behind them.
  absl::StatusOr<RawClient> fresh = harness.Connect();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  absl::Duration echo_time;
  absl::StatusOr<RawResponse> echo =
      TimedCall(*fresh, 9, TestService::Method("Echo"),
                MakeRequest("fresh").SerializeAsString(), &echo_time);
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->code(), absl::StatusCode::kOk);
  std::printf("[ measured ] Echo behind four 300 KB symbols: %.1f ms\n",
              Millis(echo_time));
  EXPECT_LT(echo_time, kFast);

  for (RawClient& client : hostile) {
    absl::StatusOr<absl::optional<RawResponse>> response = client.Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value());
    EXPECT_EQ((*response)->code(), absl::StatusCode::kInvalidArgument)
        << (*response)->header.message().substr(0, 300);
    EXPECT_LT((*response)->header.message().size(), 1024u);
  }

  // And alone: the answer costs time linear in the name.
  absl::StatusOr<RawClient> client = harness.Connect();
  ASSERT_TRUE(client.ok()) << client.status();
  absl::Duration elapsed;
  absl::StatusOr<RawResponse> response = TimedCall(
      *client, 1, kFileContainingSymbol, SymbolRequest(huge), &elapsed);
  ASSERT_TRUE(response.ok()) << response.status();
  std::printf("[ measured ] FileContainingSymbol of a 300 KB name: %.1f ms\n",
              Millis(elapsed));
  EXPECT_EQ(response->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(response->header.message(),
                                absl::StrCat("(", huge.size(), " bytes)")))
      << response->header.message();
  EXPECT_LT(elapsed, kFast);
}

TEST(Hardening, ReflectionRejectsWhatCannotBeAFullName) {
  ServerHarness harness(FourWorkers());
  ASSERT_TRUE(harness.server().EnableReflection().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  uint64_t call_id = 0;
  for (const std::string& symbol :
       {std::string(".."), std::string("a..b"), std::string("a/b/c"),
        std::string("a/b.c"), std::string("1a.B"), std::string("a-b.C"),
        std::string("a.b."), DottedName(1025)}) {
    ASSERT_TRUE(client
                    ->SendPayload(++call_id, kFileContainingSymbol,
                                  SymbolRequest(symbol))
                    .ok());
    absl::StatusOr<absl::optional<RawResponse>> bad = client->Read(kWait);
    ASSERT_TRUE(bad.ok() && bad->has_value()) << symbol;
    EXPECT_EQ((*bad)->code(), absl::StatusCode::kInvalidArgument)
        << symbol.substr(0, 40) << ": " << (*bad)->header.message();
  }
  // At the cap, and spelled as a method: looked up (and not found).
  for (const std::string& symbol :
       {DottedName(1024), std::string("framerpc.test.TestService/Echo_2")}) {
    ASSERT_TRUE(client
                    ->SendPayload(++call_id, kFileContainingSymbol,
                                  SymbolRequest(symbol))
                    .ok());
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read(kWait);
    ASSERT_TRUE(response.ok() && response->has_value()) << symbol;
    EXPECT_EQ((*response)->code(), absl::StatusCode::kNotFound)
        << symbol.substr(0, 40) << ": " << (*response)->header.message();
  }
}

// A name no service can have is INVALID_ARGUMENT, however long, while an
// unknown but possible name stays an OK answer of UNKNOWN_SERVICE.
TEST(Hardening, HealthCheckRejectsWhatCannotBeAServiceName) {
  ServerHarness harness(FourWorkers());
  ASSERT_TRUE(harness.server().EnableHealthCheck().ok());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();

  absl::Duration elapsed;
  absl::StatusOr<RawResponse> huge = TimedCall(
      *client, 1, kHealthCheck, HealthRequest(DottedName(300 << 10)), &elapsed);
  ASSERT_TRUE(huge.ok()) << huge.status();
  std::printf("[ measured ] Health Check of a 300 KB name: %.1f ms\n",
              Millis(elapsed));
  EXPECT_EQ(huge->code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(huge->header.message().size(), 1024u);
  EXPECT_LT(elapsed, kFast);

  absl::StatusOr<RawResponse> slash =
      TimedCall(*client, 2, kHealthCheck, HealthRequest("a.B/C"), &elapsed);
  ASSERT_TRUE(slash.ok()) << slash.status();
  EXPECT_EQ(slash->code(), absl::StatusCode::kInvalidArgument);

  absl::StatusOr<RawResponse> unknown =
      TimedCall(*client, 3, kHealthCheck, HealthRequest("no.Such"), &elapsed);
  ASSERT_TRUE(unknown.ok()) << unknown.status();
  EXPECT_EQ(unknown->code(), absl::StatusCode::kOk);
  health::HealthCheckResponse status;
  ASSERT_TRUE(status.ParseFromString(unknown->payload));
  EXPECT_EQ(status.status(), health::HealthCheckResponse::UNKNOWN_SERVICE);
}

// Item: a 16 MiB method name drew a 32 MiB UNIMPLEMENTED reply (the name
// quoted twice), over the client's own 16 MiB frame limit.
TEST(Hardening, HugeMethodNameGetsAShortUnimplemented) {
  ServerHarness harness(FourWorkers());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  const std::string long_part((15 << 20) / 2, 'a');
  const std::string names[] = {
      long_part + long_part,                            // no '/' at all
      absl::StrCat("no.", long_part, "/Method"),        // unknown service
      absl::StrCat(TestService::kName, "/", long_part)  // unknown method
  };
  uint64_t call_id = 0;
  for (const std::string& name : names) {
    ASSERT_TRUE(client->SendPayload(++call_id, name, "").ok());
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value());
    const std::string& message = (*response)->header.message();
    std::printf("[ measured ] %zu-byte method name: %zu-byte message\n",
                name.size(), message.size());
    EXPECT_EQ((*response)->header.call_id(), call_id);
    EXPECT_EQ((*response)->code(), absl::StatusCode::kUnimplemented);
    EXPECT_LT(message.size(), 1024u) << message.substr(0, 300);
    EXPECT_TRUE(
        absl::StrContains(message, absl::StrCat("(", name.size(), " bytes)")))
        << message.substr(0, 300);
  }
  // The connection is still good.
  absl::StatusOr<RawResponse> echo = CallOnce(
      *client, ++call_id, TestService::Method("Echo"), MakeRequest("after"));
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(echo->code(), absl::StatusCode::kOk);
}

// Order of the pool's lanes, without a server: one worker, held by a first
// task while lane 1 queues four more and lane 2 one.
class OrderTask final : public internal::WorkerTask {
 public:
  OrderTask(int id, std::vector<int>* order, std::mutex* mu, test::Gate* gate)
      : id_(id), order_(order), mu_(mu), gate_(gate) {}
  void Run() override {
    if (gate_ != nullptr) gate_->Pass(kWait);
    std::lock_guard<std::mutex> lock(*mu_);
    order_->push_back(id_);
  }
  void Cancel() override {}

 private:
  const int id_;
  std::vector<int>* const order_;
  std::mutex* const mu_;
  test::Gate* const gate_;
};

TEST(Hardening, WorkerPoolServesLanesInTurn) {
  std::vector<int> order;
  std::mutex mu;
  test::Gate gate;
  {
    absl::StatusOr<std::unique_ptr<internal::WorkerPool>> pool =
        internal::WorkerPool::Create(1);
    ASSERT_TRUE(pool.ok()) << pool.status();
    (*pool)->Submit(std::make_unique<OrderTask>(0, &order, &mu, &gate), 1);
    ASSERT_TRUE(gate.WaitForArrivals(1, kWait));
    for (int id = 1; id <= 4; ++id) {
      (*pool)->Submit(std::make_unique<OrderTask>(id, &order, &mu, nullptr), 1);
    }
    (*pool)->Submit(std::make_unique<OrderTask>(5, &order, &mu, nullptr), 2);
    gate.Open();
    // The only worker is awake (it ran task 0), so no stall check is needed.
    ASSERT_TRUE(Eventually(
        [&] {
          std::lock_guard<std::mutex> lock(mu);
          return order.size() == 6;
        },
        kWait));
  }
  EXPECT_EQ(order, (std::vector<int>{0, 1, 5, 2, 3, 4}));
}

// Item: workers took calls in arrival order, so a client pipelining 128
// slow calls delayed every other client's calls until its backlog drained.
TEST(Hardening, PipelinedBacklogDoesNotDelayAnotherConnection) {
  constexpr int kBacklog = 128;
  constexpr int kNapMs = 10;
  NapService napper;
  ServerHarness harness(FourWorkers());
  ASSERT_TRUE(harness.server().AddService(&napper).ok());
  absl::StatusOr<RawClient> a = harness.StartAndConnect();
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<RawClient> b = harness.Connect();
  ASSERT_TRUE(b.ok()) << b.status();
  const std::string nap = absl::StrCat(NapService::kName, "/Nap");

  TestRequest request;
  request.set_code(kNapMs);
  request.set_text("a");
  std::string burst;  // one write, so the loop dispatches it in one go
  for (int i = 1; i <= kBacklog; ++i) {
    burst += test::EncodeRequest(static_cast<uint64_t>(i), nap,
                                 request.SerializeAsString());
  }
  const absl::Time a_start = absl::Now();
  ASSERT_TRUE(a->SendRaw(burst).ok());
  ASSERT_TRUE(napper.WaitForStartsOfA(kWorkers, kWait));

  request.set_text("b");
  absl::Duration b_time;
  absl::StatusOr<RawResponse> b_response =
      TimedCall(*b, 1, nap, request.SerializeAsString(), &b_time);
  ASSERT_TRUE(b_response.ok()) << b_response.status();
  EXPECT_EQ(b_response->code(), absl::StatusCode::kOk);

  for (int i = 0; i < kBacklog; ++i) {
    absl::StatusOr<absl::optional<RawResponse>> response = a->Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value());
    ASSERT_EQ((*response)->code(), absl::StatusCode::kOk);
  }
  const absl::Duration a_time = absl::Now() - a_start;
  const int place = napper.a_started_before_b();
  std::printf(
      "[ measured ] b's one call: %.1f ms, started after %d of a's %d; a's "
      "backlog drained in %.1f ms\n",
      Millis(b_time), place, kBacklog, Millis(a_time));
  // Round robin: b waits for one worker to come free (at most a nap, plus
  // one more of a's turns). In arrival order it came after all of a's.
  EXPECT_LT(place, 2 * kWorkers + 4);
  EXPECT_LT(b_time, a_time / 4);
}

std::string Varint(uint64_t value) {
  std::string out;
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
  return out;
}

std::string Delimited(int field, absl::string_view bytes) {
  return absl::StrCat(Varint(static_cast<uint64_t>(field) << 3 | 2),
                      Varint(bytes.size()), bytes);
}

// A whole Request frame whose metadata is `entries` distinct 6-byte keys
// with empty values, written by hand: a map of them would take the test
// as long as it once took the server.
std::string MetadataFlood(uint64_t call_id, absl::string_view method,
                          int entries, absl::string_view payload) {
  std::string body =
      absl::StrCat(Varint(1 << 3), Varint(call_id), Delimited(2, method));
  char key[8];
  for (int i = 0; i < entries; ++i) {
    std::snprintf(key, sizeof(key), "%06d", i);
    body += Delimited(4, absl::StrCat(Delimited(1, key), Delimited(2, "")));
  }
  body += Delimited(15, payload);
  char prefix[4];
  const uint32_t size = static_cast<uint32_t>(body.size());
  prefix[0] = static_cast<char>(size >> 24);
  prefix[1] = static_cast<char>(size >> 16);
  prefix[2] = static_cast<char>(size >> 8);
  prefix[3] = static_cast<char>(size);
  return absl::StrCat(absl::string_view(prefix, 4), body);
}

// Item: a 3.8 MiB request of 500,000 metadata entries stalled every
// connection for 1.3-2.2 s while the loop built a map of them.
TEST(Hardening, MetadataFloodIsRefusedWithoutStallingTheLoop) {
  constexpr int kEntries = 500000;
  ServerHarness harness(FourWorkers());
  absl::StatusOr<RawClient> hostile = harness.StartAndConnect();
  ASSERT_TRUE(hostile.ok()) << hostile.status();
  absl::StatusOr<RawClient> fresh = harness.Connect();
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  const std::string method = TestService::Method("Echo");
  const std::string flood = MetadataFlood(
      7, method, kEntries, MakeRequest("flood").SerializeAsString());

  // Another connection calls Echo over and over while the flood is sent
  // and answered; the slowest of those calls is how long the loop stalled.
  std::atomic<bool> flood_answered{false};
  absl::Duration slowest_echo;
  int echoes = 0;
  bool echoes_ok = true;
  std::thread prober([&] {
    for (uint64_t id = 1; !flood_answered.load() && echoes_ok; ++id) {
      absl::Duration echo_time;
      absl::StatusOr<RawResponse> echo =
          TimedCall(*fresh, id, method,
                    MakeRequest("fresh").SerializeAsString(), &echo_time);
      echoes_ok = echo.ok() && echo->code() == absl::StatusCode::kOk;
      slowest_echo = std::max(slowest_echo, echo_time);
      ++echoes;
    }
  });
  const absl::Time flood_start = absl::Now();
  const bool flood_sent = hostile->SendRaw(flood).ok();
  absl::StatusOr<absl::optional<RawResponse>> refused = hostile->Read(kWait);
  const absl::Duration flood_time = absl::Now() - flood_start;
  flood_answered = true;
  prober.join();
  ASSERT_TRUE(flood_sent);
  ASSERT_TRUE(refused.ok()) << refused.status();
  ASSERT_TRUE(refused->has_value());
  EXPECT_TRUE(echoes_ok);
  std::printf(
      "[ measured ] %zu-byte request of %d metadata entries answered in "
      "%.1f ms; slowest of %d Echo calls on another connection meanwhile: "
      "%.1f ms\n",
      flood.size(), kEntries, Millis(flood_time), echoes, Millis(slowest_echo));
  const std::string& message = (*refused)->header.message();
  EXPECT_EQ((*refused)->header.call_id(), 7u);
  EXPECT_EQ((*refused)->code(), absl::StatusCode::kResourceExhausted)
      << message.substr(0, 300);
  EXPECT_TRUE(absl::StrContains(
      message, absl::StrCat("call 7 of '", method, "': request metadata of ",
                            kEntries, " entries")))
      << message;
  EXPECT_TRUE(absl::StrContains(message, "limit of 64 entries / 16384 bytes"))
      << message;
  EXPECT_LT(slowest_echo, kFast);
  EXPECT_LT(flood_time, 5 * kFast);

  // Only that call was refused: the connection serves the next.
  absl::Duration again_time;
  absl::StatusOr<RawResponse> again =
      TimedCall(*hostile, 8, method, MakeRequest("again").SerializeAsString(),
                &again_time);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->code(), absl::StatusCode::kOk);
}

// `count` entries whose keys and values add up to exactly `bytes`.
Metadata MetadataOf(int count, size_t bytes) {
  Metadata metadata;
  if (count == 0) return metadata;
  for (int i = 0; i < count; ++i) {
    std::string key = absl::StrCat("k", i);
    const size_t share = bytes / count + (i < static_cast<int>(bytes % count));
    metadata[key] = std::string(share - key.size(), 'v');
  }
  return metadata;
}

TEST(Hardening, MetadataLimitsHoldExactlyAtTheBoundary) {
  struct Case {
    int entries;
    size_t bytes;
    absl::StatusCode code;
  };
  const ServerOptions defaults;
  ASSERT_EQ(defaults.max_metadata_entries, 64u);
  ASSERT_EQ(defaults.max_metadata_bytes, 16384u);
  const Case cases[] = {
      {64, 16384, absl::StatusCode::kOk},
      {65, 16384, absl::StatusCode::kResourceExhausted},
      {64, 16385, absl::StatusCode::kResourceExhausted},
      {1, 16385, absl::StatusCode::kResourceExhausted},
      {0, 0, absl::StatusCode::kOk},
  };
  ServerHarness harness(FourWorkers());
  absl::StatusOr<RawClient> client = harness.StartAndConnect();
  ASSERT_TRUE(client.ok()) << client.status();
  uint64_t call_id = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat(c.entries, " entries, ", c.bytes, " bytes"));
    ASSERT_TRUE(client
                    ->Send(++call_id, TestService::Method("Echo"),
                           MakeRequest("x"), 0, MetadataOf(c.entries, c.bytes))
                    .ok());
    absl::StatusOr<absl::optional<RawResponse>> response = client->Read(kWait);
    ASSERT_TRUE(response.ok()) << response.status();
    ASSERT_TRUE(response->has_value());
    EXPECT_EQ((*response)->header.call_id(), call_id);
    EXPECT_EQ((*response)->code(), c.code) << (*response)->header.message();
  }
}

// Item: Shutdown(grace) must end within its grace even while every worker is
// busy with the worst input a peer can send, and more keeps arriving.
TEST(Hardening, ShutdownEndsWithinGraceWhileWorkersChewHostileInput) {
  ServerOptions options = FourWorkers();
  // Bounds what the server holds for the peers below (4 rounds each).
  options.max_calls_per_connection = 16;
  ServerHarness harness(options);
  ASSERT_TRUE(harness.server().EnableReflection().ok());
  ASSERT_TRUE(harness.server().EnableHealthCheck().ok());
  ASSERT_TRUE(harness.Start().ok());

  // One round of the costliest requests left: names over the cap (once
  // quadratic), the longest accepted name, a large echo.
  const std::string huge = DottedName(300 << 10);
  std::string round;
  round += test::EncodeRequest(1, kFileContainingSymbol, SymbolRequest(huge));
  round += test::EncodeRequest(2, kFileContainingSymbol,
                               SymbolRequest(DottedName(1024)));
  round += test::EncodeRequest(3, kHealthCheck, HealthRequest(huge));
  round += test::EncodeRequest(
      4, TestService::Method("Echo"),
      MakeRequest(std::string(1 << 20, 'x')).SerializeAsString());

  struct Peer {
    explicit Peer(RawClient c) : client(std::move(c)) {}
    RawClient client;
    std::atomic<int> rounds_sent{0};
    std::thread sender;
    std::thread reader;
  };
  std::vector<std::unique_ptr<Peer>> peers;
  for (int i = 0; i < kWorkers; ++i) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    peers.push_back(std::make_unique<Peer>(*std::move(client)));
  }
  // Each peer sends rounds until the server closes it, and reads whatever
  // comes back (the socket is shared by one sending and one reading thread;
  // RawClient keeps no state but the descriptor).
  for (auto& peer : peers) {
    Peer* const p = peer.get();
    p->sender = std::thread([p, &round] {
      while (p->client.SendRaw(round).ok()) ++p->rounds_sent;
    });
    p->reader = std::thread([p] {
      while (true) {
        absl::StatusOr<absl::optional<RawResponse>> response =
            p->client.Read(kWait);
        if (!response.ok() || !response->has_value()) return;
      }
    });
  }
  // A few rounds in, every peer's first huge symbol has been read and handed
  // to a worker: four rounds (6 MB) outgrow the socket buffers in between.
  for (auto& peer : peers) {
    EXPECT_TRUE(
        Eventually([&] { return peer->rounds_sent.load() >= 4; }, kWait))
        << peer->rounds_sent.load() << " rounds sent";
  }

  const absl::Duration grace = absl::Milliseconds(500);
  const absl::Time start = absl::Now();
  harness.server().Shutdown(grace);
  const absl::Duration elapsed = absl::Now() - start;
  std::printf("[ measured ] Shutdown(%.0f ms) under hostile load: %.1f ms\n",
              Millis(grace), Millis(elapsed));
  EXPECT_LT(elapsed, grace + absl::Seconds(3 * kSlowdown));

  for (auto& peer : peers) {
    peer->sender.join();
    peer->reader.join();
  }
}

}  // namespace
}  // namespace reliability
}  // namespace framerpc
