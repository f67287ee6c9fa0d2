#include "client/dns_resolver.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "base/unique_fd.h"
#include "gtest/gtest.h"
#include "tests/client/dnsmasq_server.h"

namespace framerpc {
namespace internal {
namespace {

using testing_support::DnsmasqServer;

// Far beyond any answer from a local dnsmasq: only bounds a broken test.
constexpr absl::Duration kWaitLimit = absl::Seconds(20);

// What one Resolve reported: the addresses as text, sorted (c-ares orders
// them by RFC 6724, which depends on the machine's routes), or the error.
struct Outcome {
  absl::Status status;
  std::vector<std::string> addresses;
};

// Takes the result whole: a copy of its Status would share the status's
// reference count between threads, which TSan cannot see synchronized
// inside Debian's uninstrumented Abseil.
Outcome ToOutcome(absl::StatusOr<DnsResolver::Addresses> result) {
  Outcome outcome;
  if (!result.ok()) {
    outcome.status = std::move(result).status();
  } else {
    for (const ResolvedAddress& address : *result) {
      outcome.addresses.push_back(SockaddrToString(
          reinterpret_cast<const sockaddr*>(&address.storage), address.length));
    }
    std::sort(outcome.addresses.begin(), outcome.addresses.end());
  }
  return outcome;
}

// Collects the outcomes of Resolve calls, from the resolver thread; shared
// so that a callback that comes after a failed wait writes into live memory.
class Collector : public std::enable_shared_from_this<Collector> {
 public:
  DnsResolver::Callback Callback() {
    return [self = shared_from_this()](
               absl::StatusOr<DnsResolver::Addresses> result) {
      std::lock_guard<std::mutex> lock(self->mu_);
      self->outcomes_.push_back(ToOutcome(std::move(result)));
      self->changed_.notify_all();
    };
  }

  // The first `count` outcomes in the order they came, or fewer if
  // `limit` passed first.
  std::vector<Outcome> Wait(size_t count, absl::Duration limit = kWaitLimit) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(limit),
                      [&] { return outcomes_.size() >= count; });
    // Copies with statuses of their own: the collector may die on the
    // resolver thread (the last callback holds it), and a shared status
    // would be freed there with no synchronization TSan can see.
    std::vector<Outcome> copies;
    for (const Outcome& outcome : outcomes_) {
      copies.push_back(
          {absl::Status(outcome.status.code(), outcome.status.message()),
           outcome.addresses});
    }
    return copies;
  }

 private:
  // std::mutex: TSan sees what it orders (Debian's Abseil lacks the
  // annotations).
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<Outcome> outcomes_ ABSL_GUARDED_BY(mu_);
};

Outcome ResolveOne(DnsResolver& resolver, absl::string_view name, int port) {
  auto collector = std::make_shared<Collector>();
  resolver.Resolve(name, port, collector->Callback());
  std::vector<Outcome> outcomes = collector->Wait(1);
  if (outcomes.empty()) {
    return {absl::DeadlineExceededError("test: no callback within the limit"),
            {}};
  }
  return outcomes.front();
}

std::unique_ptr<DnsResolver> MakeResolver(
    absl::optional<Address> server, absl::Duration timeout = absl::Seconds(5)) {
  absl::StatusOr<std::unique_ptr<DnsResolver>> resolver =
      DnsResolver::Create(std::move(server), timeout);
  EXPECT_TRUE(resolver.ok()) << resolver.status();
  return resolver.ok() ? *std::move(resolver) : nullptr;
}

// A UDP socket on 127.0.0.1 that never reads, let alone answers: a DNS
// server that has gone silent (no ICMP error either, the port is bound).
class SilentUdpServer {
 public:
  SilentUdpServer() : fd_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    EXPECT_EQ(::bind(fd_.get(), reinterpret_cast<sockaddr*>(&address),
                     sizeof(address)),
              0);
    EXPECT_EQ(::getsockname(fd_.get(), reinterpret_cast<sockaddr*>(&address),
                            &length),
              0);
    address_.host = "127.0.0.1";
    address_.port = ntohs(address.sin_port);
  }
  const Address& address() const { return address_; }

 private:
  UniqueFd fd_;
  Address address_;
};

class DnsResolverWithDnsmasq : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DnsmasqServer::BinaryPath().empty()) {
      GTEST_SKIP() << "dnsmasq is not installed (Debian: dnsmasq-base, "
                      "which scripts/install_deps.sh installs)";
    }
    absl::StatusOr<std::unique_ptr<DnsmasqServer>> dns = DnsmasqServer::Start(
        {"v4.test,127.0.0.3", "v6.test,fd00::6", "both.test,127.0.0.2,::2",
         "many.test,127.0.0.4", "many.test,127.0.0.5"});
    ASSERT_TRUE(dns.ok()) << dns.status();
    dns_ = *std::move(dns);
    resolver_ = MakeResolver(dns_->address());
    ASSERT_NE(resolver_, nullptr);
  }

  std::unique_ptr<DnsmasqServer> dns_;
  std::unique_ptr<DnsResolver> resolver_;
};

TEST_F(DnsResolverWithDnsmasq, NameWithOnlyAnARecordGivesItsIpv4Address) {
  Outcome outcome = ResolveOne(*resolver_, "v4.test", 7000);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.addresses, std::vector<std::string>{"127.0.0.3:7000"});
}

TEST_F(DnsResolverWithDnsmasq, NameWithOnlyAnAaaaRecordGivesItsIpv6Address) {
  Outcome outcome = ResolveOne(*resolver_, "v6.test", 7001);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.addresses, std::vector<std::string>{"[fd00::6]:7001"});
}

TEST_F(DnsResolverWithDnsmasq, NameWithBothRecordsGivesBothAddresses) {
  Outcome outcome = ResolveOne(*resolver_, "both.test", 80);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.addresses,
            (std::vector<std::string>{"127.0.0.2:80", "[::2]:80"}));
}

TEST_F(DnsResolverWithDnsmasq, NameWithTwoARecordsGivesBoth) {
  Outcome outcome = ResolveOne(*resolver_, "many.test", 1);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status;
  EXPECT_EQ(outcome.addresses,
            (std::vector<std::string>{"127.0.0.4:1", "127.0.0.5:1"}));
}

TEST_F(DnsResolverWithDnsmasq, UnknownNameIsUnavailableNamingNameAndServer) {
  Outcome outcome = ResolveOne(*resolver_, "nosuch.test", 80);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find("resolve 'nosuch.test'"),
            std::string::npos)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find(
                absl::StrCat("DNS server 127.0.0.1:", dns_->port())),
            std::string::npos)
      << outcome.status;
}

TEST_F(DnsResolverWithDnsmasq, IpLiteralsAreAnsweredWithoutAQuery) {
  // dnsmasq knows neither; an answer can only come from the literal.
  Outcome v4 = ResolveOne(*resolver_, "127.0.0.9", 9);
  ASSERT_TRUE(v4.status.ok()) << v4.status;
  EXPECT_EQ(v4.addresses, std::vector<std::string>{"127.0.0.9:9"});
  Outcome v6 = ResolveOne(*resolver_, "::1", 10);
  ASSERT_TRUE(v6.status.ok()) << v6.status;
  EXPECT_EQ(v6.addresses, std::vector<std::string>{"[::1]:10"});
}

TEST_F(DnsResolverWithDnsmasq, ManyConcurrentLookupsFromManyThreadsAllAnswer) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  const struct {
    const char* name;
    std::vector<std::string> addresses;
  } kExpected[] = {
      {"v4.test", {"127.0.0.3:5"}},
      {"v6.test", {"[fd00::6]:5"}},
      {"both.test", {"127.0.0.2:5", "[::2]:5"}},
      {"many.test", {"127.0.0.4:5", "127.0.0.5:5"}},
  };
  std::vector<std::shared_ptr<Collector>> collectors;
  for (int t = 0; t < kThreads; ++t) {
    collectors.push_back(std::make_shared<Collector>());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        resolver_->Resolve(kExpected[t].name, 5, collectors[t]->Callback());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) {
    std::vector<Outcome> outcomes = collectors[t]->Wait(kPerThread);
    ASSERT_EQ(outcomes.size(), static_cast<size_t>(kPerThread))
        << kExpected[t].name;
    for (const Outcome& outcome : outcomes) {
      ASSERT_TRUE(outcome.status.ok()) << outcome.status;
      EXPECT_EQ(outcome.addresses, kExpected[t].addresses);
    }
  }
}

TEST_F(DnsResolverWithDnsmasq, CallbackMayStartAnotherLookup) {
  auto collector = std::make_shared<Collector>();
  DnsResolver* resolver = resolver_.get();
  resolver->Resolve(
      "v4.test", 1,
      [resolver, collector](absl::StatusOr<DnsResolver::Addresses> first) {
        collector->Callback()(std::move(first));
        resolver->Resolve("v6.test", 2, collector->Callback());
      });
  std::vector<Outcome> outcomes = collector->Wait(2);
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].addresses, std::vector<std::string>{"127.0.0.3:1"});
  EXPECT_EQ(outcomes[1].addresses, std::vector<std::string>{"[fd00::6]:2"});
}

TEST(DnsResolver, SilentServerFailsUnavailableWithinTheTimeout) {
  SilentUdpServer silent;
  constexpr absl::Duration kTimeout = absl::Milliseconds(300);
  std::unique_ptr<DnsResolver> resolver =
      MakeResolver(silent.address(), kTimeout);
  ASSERT_NE(resolver, nullptr);
  const absl::Time start = absl::Now();
  Outcome outcome = ResolveOne(*resolver, "kv.test", 80);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find("resolve 'kv.test'"),
            std::string::npos)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find(silent.address().ToString()),
            std::string::npos)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find("no answer within 300ms"),
            std::string::npos)
      << outcome.status;
  EXPECT_GE(took, kTimeout) << took;
  EXPECT_LT(took, kTimeout + absl::Seconds(1)) << took;
}

// c-ares refuses .onion names (RFC 7686) inside ares_getaddrinfo, calling
// back before it returns.
TEST(DnsResolver, NameRefusedBeforeAnyQueryIsUnavailable) {
  SilentUdpServer silent;
  std::unique_ptr<DnsResolver> resolver =
      MakeResolver(silent.address(), absl::Seconds(60));
  ASSERT_NE(resolver, nullptr);
  const absl::Time start = absl::Now();
  Outcome outcome = ResolveOne(*resolver, "hidden.onion", 80);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kUnavailable)
      << outcome.status;
  EXPECT_NE(outcome.status.message().find("resolve 'hidden.onion'"),
            std::string::npos)
      << outcome.status;
}

TEST(DnsResolver, DestructionWithLookupsPendingCancelsThemPromptly) {
  SilentUdpServer silent;
  std::unique_ptr<DnsResolver> resolver =
      MakeResolver(silent.address(), absl::Seconds(60));
  ASSERT_NE(resolver, nullptr);
  auto collector = std::make_shared<Collector>();
  for (const char* name : {"a.test", "b.test", "c.test"}) {
    resolver->Resolve(name, 80, collector->Callback());
  }
  const absl::Time start = absl::Now();
  resolver.reset();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // Every callback has run by the time the destructor returns.
  std::vector<Outcome> outcomes = collector->Wait(3, absl::ZeroDuration());
  ASSERT_EQ(outcomes.size(), 3u);
  for (const Outcome& outcome : outcomes) {
    EXPECT_EQ(outcome.status.code(), absl::StatusCode::kCancelled)
        << outcome.status;
    EXPECT_NE(outcome.status.message().find("resolver shut down"),
              std::string::npos)
        << outcome.status;
  }
}

TEST(DnsResolver, RunsOnAThreadNamedFramerpcDns) {
  auto count_named = [] {
    int count = 0;
    DIR* tasks = ::opendir("/proc/self/task");
    if (tasks == nullptr) return -1;
    while (dirent* entry = ::readdir(tasks)) {
      std::ifstream comm(
          absl::StrCat("/proc/self/task/", entry->d_name, "/comm"));
      std::string name;
      if (std::getline(comm, name) && name == "framerpc-dns") ++count;
    }
    ::closedir(tasks);
    return count;
  };
  const int before = count_named();
  std::unique_ptr<DnsResolver> resolver =
      MakeResolver(absl::nullopt, absl::Seconds(1));
  ASSERT_NE(resolver, nullptr);
  // The thread names itself first thing; a lookup's answer proves it ran.
  Outcome literal = ResolveOne(*resolver, "127.0.0.1", 1);
  ASSERT_TRUE(literal.status.ok()) << literal.status;
  EXPECT_EQ(count_named(), before + 1);
  resolver.reset();
  EXPECT_EQ(count_named(), before);
}

TEST(DnsResolver, CreateRejectsABadServerOrTimeout) {
  Address name;
  name.host = "dns.example";
  name.port = 53;
  Address no_port;
  no_port.host = "127.0.0.1";
  no_port.port = 0;
  for (const Address& server : {name, no_port}) {
    absl::StatusOr<std::unique_ptr<DnsResolver>> resolver =
        DnsResolver::Create(server, absl::Seconds(1));
    ASSERT_FALSE(resolver.ok()) << server.ToString();
    EXPECT_EQ(resolver.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(resolver.status().message().find(server.ToString()),
              std::string::npos)
        << resolver.status();
  }
  absl::StatusOr<std::unique_ptr<DnsResolver>> zero =
      DnsResolver::Create(absl::nullopt, absl::ZeroDuration());
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(zero.status().message().find("timeout"), std::string::npos);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
