// A Channel in front of a fleet: replicas that are real framerpc Servers on
// different loopback addresses (127.0.0.1, .2, .3), reached through every
// target form of docs/api.md §5.1, with the balancing policies of §5.2 and
// the failure handling of §5.3 shown under load: calls spread as each
// policy says, follow a DNS name to its new address, survive a rolling
// restart, lose only the calls in flight on a replica killed with SIGKILL,
// and keep away from a replica whose health service says NOT_SERVING.
//
// Each replica answers with its own name, so the caller knows who answered;
// the figures measured (counts per replica, follow and rejoin times) are
// printed and recorded as test properties.
#include <atomic>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "child_process.h"
#include "client/channel_core.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "server_fixture.h"
#include "tests/client/dnsmasq_server.h"

namespace framerpc::e2e {
namespace {

using testing_support::DnsmasqServer;

// Time enough for a call, a connect or a rejoin even under TSan on a busy
// 2-core machine; no bound below is expected to be approached.
constexpr absl::Duration kCallTimeout = absl::Seconds(10);
constexpr absl::Duration kWaitLimit = absl::Seconds(20);

// How soon a replica back on its address must take calls again: the
// longest connect backoff (about 1.2 s) and room for a slow machine.
constexpr absl::Duration kRejoinLimit = absl::Seconds(5);

// The request text of every call: a replica in another process
// (e2e_test_server) echoes it, where the in-process replicas answer with
// their own names.
constexpr absl::string_view kEchoedByProcess = "echoed by e2e_test_server";

// Prints a measured figure and records it with the test's results.
void Report(const std::string& key, const std::string& value) {
  std::cout << "[fleet] " << key << ": " << value << std::endl;
  ::testing::Test::RecordProperty(key, value);
}

// A replica's service: answers Echo with the replica's name after
// `delay`, and counts the calls its handler saw.
class ReplicaService final : public TestService::Service {
 public:
  ReplicaService(std::string name, absl::Duration delay)
      : name_(std::move(name)), delay_(delay) {}

  absl::Status Echo(ServerContext&, const EchoRequest&,
                    EchoReply* reply) override {
    calls_.fetch_add(1);
    if (delay_ > absl::ZeroDuration()) absl::SleepFor(delay_);
    reply->set_text(name_);
    return absl::OkStatus();
  }

  int calls() const { return calls_.load(); }

 private:
  const std::string name_;
  const absl::Duration delay_;
  std::atomic<int> calls_{0};
};

// One replica: a Server on `host` (an IPv4 loopback address, or
// "unix:/path"), started, stopped with a grace and started again on the
// same address and port. Its name, which it answers with, is its host.
class Replica {
 public:
  explicit Replica(std::string host,
                   absl::Duration delay = absl::ZeroDuration(),
                   bool health_service = false)
      : host_(std::move(host)),
        health_service_(health_service),
        service_(host_, delay) {}
  ~Replica() { Stop(absl::Seconds(5)); }

  // Listens on host:port (port 0: a free one, kept for restarts).
  absl::Status Start(int port = 0) {
    server_ = std::make_unique<Server>();
    absl::Status status = server_->AddService(&service_);
    if (status.ok() && health_service_) status = server_->EnableHealthCheck();
    if (status.ok()) {
      status =
          server_->Listen(is_unix() ? host_ : absl::StrCat(host_, ":", port));
    }
    if (status.ok()) status = server_->Start();
    if (status.ok()) port_ = server_->port();
    return status;
  }
  // Shuts the server down, letting calls finish for up to `grace`.
  void Stop(absl::Duration grace) {
    if (server_ == nullptr) return;
    server_->Shutdown(grace);
    server_->Wait();
    server_.reset();
  }
  absl::Status RestartOnTheSameAddress() {
    Stop(absl::Seconds(2));
    return Start(port_);
  }

  const std::string& name() const { return host_; }
  int port() const { return port_; }
  std::string address() const {
    return is_unix() ? host_ : absl::StrCat(host_, ":", port_);
  }
  int calls() const { return service_.calls(); }
  // REQUIRES: started, with the health service.
  void SetServing(bool serving) {
    server_->SetServingStatus(
        "", serving ? ServingStatus::kServing : ServingStatus::kNotServing);
  }

 private:
  bool is_unix() const { return absl::StartsWith(host_, "unix:"); }

  const std::string host_;
  const bool health_service_;
  ReplicaService service_;  // outlives every server (docs/api.md §4)
  std::unique_ptr<Server> server_;
  int port_ = 0;
};

using Fleet = std::vector<std::unique_ptr<Replica>>;

// Replicas on 127.0.0.1, .2, ... (`delays` gives each its handler delay).
Fleet MakeFleet(int size, bool health_service = false,
                std::vector<absl::Duration> delays = {}) {
  delays.resize(size, absl::ZeroDuration());
  Fleet fleet;
  for (int i = 0; i < size; ++i) {
    fleet.push_back(std::make_unique<Replica>(absl::StrCat("127.0.0.", i + 1),
                                              delays[i], health_service));
  }
  return fleet;
}

// Starts every replica, each on a port of its own, or with `same_port` on
// the port the first one picked (as a DNS name's addresses share one); a
// port another process holds on some address is given up for another.
absl::Status StartFleet(Fleet& fleet, bool same_port = false) {
  absl::Status status;
  for (int attempt = 0; attempt < 5; ++attempt) {
    status = fleet[0]->Start();
    for (size_t i = 1; i < fleet.size() && status.ok(); ++i) {
      status = fleet[i]->Start(same_port ? fleet[0]->port() : 0);
    }
    if (status.ok()) return status;
    for (auto& replica : fleet) replica->Stop(absl::ZeroDuration());
  }
  return status;
}

// "ipv4:127.0.0.1:P1,127.0.0.2:P2,...".
std::string Ipv4ListTarget(const Fleet& fleet) {
  std::vector<std::string> addresses;
  for (const auto& replica : fleet) addresses.push_back(replica->address());
  return absl::StrCat("ipv4:", absl::StrJoin(addresses, ","));
}

std::shared_ptr<Channel> MakeChannel(
    const std::string& target, ChannelOptions options = ChannelOptions()) {
  auto channel = Channel::Create(target, options);
  EXPECT_TRUE(channel.ok()) << channel.status();
  return channel.ok() ? *channel : nullptr;
}

// "dns://127.0.0.1:DNSPORT/name.test:PORT": name.test as `dns` answers it.
std::string DnsTarget(const DnsmasqServer& dns, int port) {
  return absl::StrCat("dns://127.0.0.1:", dns.port(), "/name.test:", port);
}

// A Channel to every replica of `fleet` by an "ipv4:" list.
std::shared_ptr<Channel> ChannelToFleet(
    const Fleet& fleet, LoadBalancing policy = ChannelOptions().load_balancing,
    bool health_check = false) {
  ChannelOptions options;
  options.load_balancing = policy;
  options.health_check = health_check;
  return MakeChannel(Ipv4ListTarget(fleet), options);
}

// One call; the name of the replica that answered it.
absl::StatusOr<std::string> CallOnce(TestService::Stub& stub) {
  EchoRequest request;
  request.set_text(std::string(kEchoedByProcess));
  auto context = BoundedContext(kCallTimeout);
  absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
  if (!reply.ok()) return reply.status();
  return reply->text();
}

// Who answered how many calls.
using Tally = std::map<std::string, int>;

int CountOf(const Tally& tally, const std::string& name) {
  auto found = tally.find(name);
  return found == tally.end() ? 0 : found->second;
}

std::string Describe(const Tally& tally) {
  std::vector<std::string> parts;
  for (const auto& [name, count] : tally) {
    parts.push_back(absl::StrCat(name, "=", count));
  }
  return absl::StrJoin(parts, " ");
}

// `calls` sequential calls; failures are test failures.
Tally CallSequentially(TestService::Stub& stub, int calls) {
  Tally tally;
  for (int i = 0; i < calls; ++i) {
    absl::StatusOr<std::string> answered = CallOnce(stub);
    if (answered.ok()) {
      ++tally[*answered];
    } else {
      ADD_FAILURE() << "call " << i << ": " << answered.status();
    }
  }
  return tally;
}

// Calls sequentially until every replica of `fleet` has answered one, so
// that each has an open connection; false when that takes past kWaitLimit.
bool WarmUp(TestService::Stub& stub, const Fleet& fleet) {
  Tally tally;
  const absl::Time give_up = absl::Now() + kWaitLimit;
  while (absl::Now() < give_up) {
    absl::StatusOr<std::string> answered = CallOnce(stub);
    if (!answered.ok()) {
      ADD_FAILURE() << "warm-up call: " << answered.status();
      return false;
    }
    ++tally[*answered];
    bool all = true;
    for (const auto& replica : fleet) all = all && tally.count(replica->name());
    if (all) return true;
  }
  ADD_FAILURE() << "not every replica answered in " << kWaitLimit << ": "
                << Describe(tally);
  return false;
}

// Polls `condition` every 2 ms until it holds or `limit` passes; how long
// it took, or nullopt.
template <typename Condition>
absl::optional<absl::Duration> AwaitCondition(
    Condition condition, absl::Duration limit = kWaitLimit) {
  const absl::Time start = absl::Now();
  while (!condition()) {
    if (absl::Now() - start > limit) return absl::nullopt;
    absl::SleepFor(absl::Milliseconds(2));
  }
  return absl::Now() - start;
}

std::string Milliseconds(absl::Duration duration) {
  return absl::StrCat(absl::ToInt64Milliseconds(duration), " ms");
}

// Threads that call through one Channel without pause until stopped,
// keeping who answered and every failure with when its call started.
class Callers {
 public:
  struct Failure {
    absl::Time started;
    absl::Status status;
  };

  Callers(std::shared_ptr<Channel> channel, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, channel] {
        TestService::Stub stub(channel);
        while (!stop_.load()) {
          const absl::Time started = absl::Now();
          absl::StatusOr<std::string> answered = CallOnce(stub);
          std::lock_guard<std::mutex> lock(mu_);
          if (answered.ok()) {
            ++tally_[*answered];
          } else {
            failures_.push_back({started, answered.status()});
          }
        }
      });
    }
  }
  ~Callers() { Stop(); }

  void Stop() {
    stop_.store(true);
    for (std::thread& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  int answered_by(const std::string& name) const {
    std::lock_guard<std::mutex> lock(mu_);
    return CountOf(tally_, name);
  }
  int answered() const {
    std::lock_guard<std::mutex> lock(mu_);
    int sum = 0;
    for (const auto& entry : tally_) sum += entry.second;
    return sum;
  }
  Tally tally() const {
    std::lock_guard<std::mutex> lock(mu_);
    return tally_;
  }
  std::vector<Failure> failures() const {
    std::lock_guard<std::mutex> lock(mu_);
    return failures_;
  }
  // Waits until `name` has answered `more` calls beyond those it had
  // answered when called; how long that took, or nullopt past kWaitLimit.
  absl::optional<absl::Duration> AwaitAnswers(const std::string& name,
                                              int more) const {
    const int target = answered_by(name) + more;
    return AwaitCondition([&] { return answered_by(name) >= target; });
  }

 private:
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  Tally tally_;
  std::vector<Failure> failures_;
  std::vector<std::thread> threads_;
};

void ExpectNoFailures(const Callers& callers) {
  for (const Callers::Failure& failure : callers.failures()) {
    ADD_FAILURE() << "failed call: " << failure.status;
  }
}

// --- Target forms (docs/api.md §5.1) ---------------------------------------

TEST(Fleet, AnIpv4ListReachesEveryReplica) {
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet).ok());
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kRoundRobin));
  EXPECT_TRUE(WarmUp(stub, fleet));
}

TEST(Fleet, ADnsNameWithThreeAddressesReachesEveryReplica) {
  if (DnsmasqServer::BinaryPath().empty()) GTEST_SKIP() << "no dnsmasq";
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet, /*same_port=*/true).ok());
  auto dns = DnsmasqServer::StartWithHostsFile(
      {"127.0.0.1 name.test", "127.0.0.2 name.test", "127.0.0.3 name.test"});
  ASSERT_TRUE(dns.ok()) << dns.status();
  TestService::Stub stub(MakeChannel(DnsTarget(**dns, fleet[0]->port())));
  EXPECT_TRUE(WarmUp(stub, fleet));
}

TEST(Fleet, AUnixPathReachesItsServer) {
  const std::string path =
      absl::StrCat(::testing::TempDir(), "framerpc-fleet-", getpid(), ".sock");
  Replica replica(absl::StrCat("unix:", path));
  ASSERT_TRUE(replica.Start().ok());
  TestService::Stub stub(MakeChannel(replica.address()));
  const Tally tally = CallSequentially(stub, 5);
  EXPECT_EQ(CountOf(tally, replica.name()), 5) << Describe(tally);
  EXPECT_EQ(replica.calls(), 5);
}

TEST(Fleet, HostAndPortReachTheServerByNameAndByAddress) {
  Replica replica("127.0.0.1");
  ASSERT_TRUE(replica.Start().ok());
  for (const std::string& target :
       {absl::StrCat("localhost:", replica.port()), replica.address()}) {
    SCOPED_TRACE(target);
    TestService::Stub stub(MakeChannel(target));
    const Tally tally = CallSequentially(stub, 5);
    EXPECT_EQ(CountOf(tally, replica.name()), 5) << Describe(tally);
  }
  EXPECT_EQ(replica.calls(), 10);
}

// --- Balancing (docs/api.md §5.2) ------------------------------------------

TEST(Fleet, RoundRobinGivesEachReplicaAnEqualShare) {
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet).ok());
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kRoundRobin));
  // Once every replica has a connection, no call is sent elsewhere while
  // one connects: the turns are exact.
  ASSERT_TRUE(WarmUp(stub, fleet));
  const Tally tally = CallSequentially(stub, 300);
  Report("round_robin_300_calls", Describe(tally));
  for (const auto& replica : fleet) {
    const int count = CountOf(tally, replica->name());
    EXPECT_NEAR(count, 100, 2) << replica->name() << ": " << Describe(tally);
  }
}

TEST(Fleet, LeastLoadedSendsFewCallsToASlowReplica) {
  // 127.0.0.1 takes 20 ms a call, the others answer at once.
  Fleet fleet = MakeFleet(3, false, {absl::Milliseconds(20)});
  ASSERT_TRUE(StartFleet(fleet).ok());
  auto channel = ChannelToFleet(fleet);  // kLeastLoaded
  constexpr int kThreads = 8, kCallsEach = 50;
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      TestService::Stub stub(channel);
      for (int i = 0; i < kCallsEach; ++i) {
        if (!CallOnce(stub).ok()) ++failed;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0);
  const int total = kThreads * kCallsEach;
  const int slow = fleet[0]->calls();
  Report("least_loaded_calls",
         absl::StrCat("slow ", fleet[0]->name(), "=", slow, " ",
                      fleet[1]->name(), "=", fleet[1]->calls(), " ",
                      fleet[2]->name(), "=", fleet[2]->calls(), " of ", total));
  EXPECT_EQ(slow + fleet[1]->calls() + fleet[2]->calls(), total);
  // A third would be its share if load were not looked at.
  EXPECT_LT(slow, total * 15 / 100);
}

TEST(Fleet, PickFirstStaysOnOneReplicaUntilItFails) {
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet).ok());
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kPickFirst));
  Tally tally = CallSequentially(stub, 50);
  Report("pick_first_before", Describe(tally));
  EXPECT_EQ(tally[fleet[0]->name()], 50) << Describe(tally);

  // The first one goes away: the calls move to the next, with none failed.
  fleet[0]->Stop(absl::Seconds(2));
  tally = CallSequentially(stub, 50);
  Report("pick_first_after_stop", Describe(tally));
  EXPECT_EQ(tally[fleet[1]->name()], 50) << Describe(tally);

  // And stay there when the first is back.
  ASSERT_TRUE(fleet[0]->RestartOnTheSameAddress().ok());
  tally = CallSequentially(stub, 50);
  Report("pick_first_after_restart", Describe(tally));
  EXPECT_EQ(tally[fleet[1]->name()], 50) << Describe(tally);
  EXPECT_EQ(fleet[2]->calls(), 0);
}

// --- Changes in the fleet (docs/api.md §5.3) -------------------------------

TEST(Fleet, CallsFollowADnsNameToItsNewAddressWithoutAFailure) {
  if (DnsmasqServer::BinaryPath().empty()) GTEST_SKIP() << "no dnsmasq";
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet, /*same_port=*/true).ok());
  Replica& before = *fleet[1];  // 127.0.0.2
  Replica& after = *fleet[2];   // 127.0.0.3
  auto dns = DnsmasqServer::StartWithHostsFile({"127.0.0.2 name.test"});
  ASSERT_TRUE(dns.ok()) << dns.status();
  ChannelOptions options;
  options.dns_refresh_interval = absl::Milliseconds(300);
  Callers callers(MakeChannel(DnsTarget(**dns, before.port()), options),
                  1);
  ASSERT_TRUE(callers.AwaitAnswers(before.name(), 20).has_value())
      << Describe(callers.tally()) << "; " << callers.failures().size()
      << " failed, the first: "
      << (callers.failures().empty() ? absl::OkStatus()
                                     : callers.failures().front().status);

  ASSERT_TRUE((*dns)->RewriteHostsFile({"127.0.0.3 name.test"}).ok());
  const absl::optional<absl::Duration> follow =
      callers.AwaitAnswers(after.name(), 1);
  ASSERT_TRUE(follow.has_value()) << "calls still at " << before.name();
  Report("dns_follow_time", Milliseconds(*follow));
  // The one caller's calls now go to the new address only: the old
  // replica, still up, sees no more of them, and the new one sees them all.
  const int old_calls = before.calls();
  ASSERT_TRUE(callers.AwaitAnswers(after.name(), 100).has_value());
  callers.Stop();
  Report("dns_move_calls", absl::StrCat(Describe(callers.tally()), ", failed ",
                                        callers.failures().size()));
  EXPECT_EQ(before.calls(), old_calls);
  EXPECT_EQ(fleet[0]->calls(), 0);
  ExpectNoFailures(callers);
  // The refresh interval, plus a generous margin for dnsmasq's reload and
  // a slow (sanitized) machine.
  EXPECT_LT(*follow, options.dns_refresh_interval + absl::Seconds(3));
}

TEST(Fleet, AFailedConnectionBringsTheNextLookupForward) {
  if (DnsmasqServer::BinaryPath().empty()) GTEST_SKIP() << "no dnsmasq";
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet, /*same_port=*/true).ok());
  Replica& before = *fleet[1];  // 127.0.0.2
  Replica& after = *fleet[2];   // 127.0.0.3
  auto dns = DnsmasqServer::StartWithHostsFile({"127.0.0.2 name.test"});
  ASSERT_TRUE(dns.ok()) << dns.status();
  ChannelOptions options;
  options.dns_refresh_interval = absl::Hours(1);  // never, in this test
  TestService::Stub stub(
      MakeChannel(DnsTarget(**dns, before.port()), options));
  absl::StatusOr<std::string> first = CallOnce(stub);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(*first, before.name());
  // The name moves and its old replica goes: the refused connect, not the
  // hour-long timer, has the name looked up again.
  ASSERT_TRUE((*dns)->RewriteHostsFile({"127.0.0.3 name.test"}).ok());
  before.Stop(absl::Seconds(1));
  const absl::Time start = absl::Now();
  ClientContext context;
  context.set_wait_for_ready(true);
  context.set_timeout(absl::Seconds(20));
  EchoRequest request;
  request.set_text(std::string(kEchoedByProcess));
  absl::StatusOr<EchoReply> reply = stub.Echo(request, &context);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->text(), after.name());
  const absl::Duration took = absl::Now() - start;
  Report("lookup_after_failure", Milliseconds(took));
  // One spacing (1 s) after the first lookup, plus room for dnsmasq's
  // reload and a slow (sanitized) machine.
  EXPECT_LT(took, absl::Seconds(6));
}

TEST(Fleet, ANameThatStopsResolvingKeepsItsLastAddresses) {
  if (DnsmasqServer::BinaryPath().empty()) GTEST_SKIP() << "no dnsmasq";
  Fleet fleet = MakeFleet(2);
  ASSERT_TRUE(StartFleet(fleet, /*same_port=*/true).ok());
  Replica& replica = *fleet[1];  // 127.0.0.2
  auto dns = DnsmasqServer::StartWithHostsFile({"127.0.0.2 name.test"});
  ASSERT_TRUE(dns.ok()) << dns.status();
  ChannelOptions options;
  options.dns_refresh_interval = absl::Milliseconds(100);
  TestService::Stub stub(
      MakeChannel(DnsTarget(**dns, replica.port()), options));
  ASSERT_TRUE(CallOnce(stub).ok());
  // The name is gone from DNS (NXDOMAIN) for several refreshes: the
  // Channel keeps calling the address it had.
  ASSERT_TRUE((*dns)->RewriteHostsFile({}).ok());
  absl::SleepFor(absl::Milliseconds(800));
  for (int i = 0; i < 20; ++i) {
    absl::StatusOr<std::string> answered = CallOnce(stub);
    ASSERT_TRUE(answered.ok()) << answered.status();
    EXPECT_EQ(*answered, replica.name());
  }
  // When that replica goes too, the failure says why no other was tried.
  replica.Stop(absl::Seconds(1));
  const absl::Status failed = CallOnce(stub).status();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable) << failed;
  EXPECT_NE(failed.message().find("last lookup failed"),
            absl::string_view::npos)
      << failed;
  EXPECT_NE(failed.message().find("name.test"), absl::string_view::npos)
      << failed;
}

TEST(Fleet, ARollingRestartUnderLoadFailsNoCall) {
  Fleet fleet = MakeFleet(3);
  ASSERT_TRUE(StartFleet(fleet).ok());
  Callers callers(ChannelToFleet(fleet), 8);  // kLeastLoaded
  for (auto& replica : fleet) {
    ASSERT_TRUE(callers.AwaitAnswers(replica->name(), 200).has_value())
        << replica->name() << " takes no calls";
    ASSERT_TRUE(replica->RestartOnTheSameAddress().ok());
    const absl::optional<absl::Duration> rejoined =
        callers.AwaitAnswers(replica->name(), 1);
    ASSERT_TRUE(rejoined.has_value()) << replica->name() << " never rejoined";
    Report(absl::StrCat("rolling_restart_rejoin_", replica->name()),
           Milliseconds(*rejoined));
    EXPECT_LT(*rejoined, kRejoinLimit);
    // Back in the rotation, not just once, before the next one goes.
    ASSERT_TRUE(callers.AwaitAnswers(replica->name(), 200).has_value());
  }
  callers.Stop();
  Report("rolling_restart_calls",
         absl::StrCat(Describe(callers.tally()), ", failed ",
                      callers.failures().size()));
  ExpectNoFailures(callers);
}

// Starts e2e_test_server (another process) on `address`; its port, or -1.
int StartProcessReplica(std::unique_ptr<ChildProcess>* child,
                        const std::string& address) {
  *child = std::make_unique<ChildProcess>(
      std::vector<std::string>{E2E_TEST_SERVER, address, "--quiet"});
  if (!(*child)->ok()) return -1;
  const std::string line = (*child)->ReadLine(kWaitLimit);
  constexpr absl::string_view kPrefix = "listening on 127.0.0.1:";
  int port = -1;
  if (!absl::StartsWith(line, kPrefix) ||
      !absl::SimpleAtoi(absl::string_view(line).substr(kPrefix.size()),
                        &port)) {
    return -1;
  }
  return port;
}

TEST(Fleet, AKilledReplicaCostsOnlyItsCallsInFlightAndRejoinsWhenBack) {
  // 127.0.0.2 is another process, so that it can die by SIGKILL.
  Replica first("127.0.0.1"), third("127.0.0.3");
  ASSERT_TRUE(first.Start().ok());
  ASSERT_TRUE(third.Start().ok());
  std::unique_ptr<ChildProcess> process;
  const int process_port = StartProcessReplica(&process, "127.0.0.2:0");
  ASSERT_GT(process_port, 0);
  const std::string process_address = absl::StrCat("127.0.0.2:", process_port);
  const std::string by_process(kEchoedByProcess);
  Callers callers(
      MakeChannel(absl::StrCat("ipv4:", first.address(), ",", process_address,
                               ",", third.address())),
      4);
  ASSERT_TRUE(callers.AwaitAnswers(by_process, 50).has_value());

  const absl::Time killed = absl::Now();
  process->Kill();  // SIGKILL to its PID, then reaped
  // A call may fail only if it was in flight on the killed replica, or
  // started before the channel saw its connection break.
  const absl::Time settled = killed + absl::Milliseconds(200);
  ASSERT_TRUE(AwaitCondition([&] { return absl::Now() > settled; }));
  const int answered_after_kill = callers.answered();
  ASSERT_TRUE(AwaitCondition([&] {
                return callers.answered() >= answered_after_kill + 200;
              }).has_value());

  ASSERT_EQ(StartProcessReplica(&process, process_address), process_port);
  const absl::optional<absl::Duration> rejoined =
      callers.AwaitAnswers(by_process, 1);
  ASSERT_TRUE(rejoined.has_value()) << "the restarted replica never rejoined";
  callers.Stop();
  Report("sigkill_rejoin_time", Milliseconds(*rejoined));
  EXPECT_LT(*rejoined, kRejoinLimit);
  const std::vector<Callers::Failure> failures = callers.failures();
  Report("sigkill_calls",
         absl::StrCat(Describe(callers.tally()), ", failed ", failures.size()));
  for (const Callers::Failure& failure : failures) {
    std::cout << "[fleet] failed " << (failure.started - killed)
              << " after the kill: " << failure.status << std::endl;
    EXPECT_EQ(failure.status.code(), absl::StatusCode::kUnavailable)
        << failure.status;
    EXPECT_LT(failure.started, settled)
        << "started " << (failure.started - killed)
        << " after the kill: " << failure.status;
  }
}

// --- Health (ChannelOptions::health_check) ---------------------------------

// Calls sequentially until `replica` has seen none of the last `window`
// calls; false past kWaitLimit.
bool AwaitNoCallsTo(TestService::Stub& stub, const Replica& replica,
                    int window) {
  int quiet = 0;
  int seen = replica.calls();
  const absl::Time give_up = absl::Now() + kWaitLimit;
  while (quiet < window && absl::Now() < give_up) {
    if (!CallOnce(stub).ok()) return false;
    const int now = replica.calls();
    quiet = now == seen ? quiet + 1 : 0;
    seen = now;
  }
  return quiet >= window;
}

TEST(Fleet, AReplicaNotServingGetsNoCallsUntilItServesAgain) {
  Fleet fleet = MakeFleet(3, /*health_service=*/true);
  ASSERT_TRUE(StartFleet(fleet).ok());
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kLeastLoaded,
                                        /*health_check=*/true));
  ASSERT_TRUE(WarmUp(stub, fleet));
  Replica& resting = *fleet[1];

  resting.SetServing(false);
  const absl::Time set = absl::Now();
  ASSERT_TRUE(AwaitNoCallsTo(stub, resting, 100));
  Report("not_serving_noticed_within",
         absl::StrCat(Milliseconds(absl::Now() - set), " (checked every ",
                      Milliseconds(internal::ChannelCore::kHealthCheckInterval),
                      ")"));
  const int resting_calls = resting.calls();
  CallSequentially(stub, 200);
  EXPECT_EQ(resting.calls(), resting_calls);

  resting.SetServing(true);
  const absl::optional<absl::Duration> back = AwaitCondition(
      [&] { return CallOnce(stub).ok() && resting.calls() > resting_calls; });
  ASSERT_TRUE(back.has_value()) << "never called again once serving";
  Report("serving_again_noticed_within", Milliseconds(*back));
}

TEST(Fleet, PickFirstMovesOffAReplicaThatStopsServing) {
  // Under kPickFirst nothing is connected in the background: the health
  // checks must run all the same.
  Fleet fleet = MakeFleet(3, /*health_service=*/true);
  ASSERT_TRUE(StartFleet(fleet).ok());
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kPickFirst,
                                        /*health_check=*/true));
  EXPECT_EQ(CallSequentially(stub, 20)[fleet[0]->name()], 20);
  fleet[0]->SetServing(false);
  ASSERT_TRUE(AwaitNoCallsTo(stub, *fleet[0], 100));
  const Tally tally = CallSequentially(stub, 50);
  Report("pick_first_not_serving", Describe(tally));
  EXPECT_EQ(CountOf(tally, fleet[1]->name()), 50) << Describe(tally);
}

TEST(Fleet, AReplicaNotServingFromTheStartGetsNoCalls) {
  Fleet fleet = MakeFleet(3, /*health_service=*/true);
  ASSERT_TRUE(StartFleet(fleet).ok());
  fleet[2]->SetServing(false);
  TestService::Stub stub(ChannelToFleet(fleet, LoadBalancing::kLeastLoaded,
                                        /*health_check=*/true));
  // Until both serving replicas have answered (one may be connected in
  // the background while the other takes the calls), then 200 more.
  ASSERT_TRUE(AwaitCondition([&] {
                return CallOnce(stub).ok() && fleet[0]->calls() > 0 &&
                       fleet[1]->calls() > 0;
              }).has_value());
  const Tally tally = CallSequentially(stub, 200);
  Report("not_serving_from_start", Describe(tally));
  EXPECT_EQ(fleet[2]->calls(), 0);
}

}  // namespace
}  // namespace framerpc::e2e
