// Load: N client threads x M calls against a server in a child process
// (tests/e2e/e2e_test_server), over one shared channel and over several.
// Every call's reply is checked against its own request, so a crossed
// reply is counted, not missed. The server's RSS and descriptor count are
// read from /proc before and after and printed.
//
// Built twice: load_test, a short run for every CI build, and soak_test
// (FRAMERPC_SOAK, ctest label "soak"), a longer one bounded in calls and
// in time.
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "child_process.h"
#include "server_fixture.h"
#include "tests/reliability/process_stats.h"

namespace framerpc::e2e {
namespace {

using reliability::Eventually;
using reliability::OpenFds;
using reliability::ResidentKib;

#ifdef FRAMERPC_SOAK
#define FRAMERPC_LOAD_SUITE Soak
constexpr int kThreads = 16;
constexpr int kCallsPerThread = 100000;
constexpr absl::Duration kTimeBound = absl::Seconds(90);  // ctest: 120 s a test
#else
#define FRAMERPC_LOAD_SUITE Load
constexpr int kThreads = 8;
constexpr int kCallsPerThread = 1000;
constexpr absl::Duration kTimeBound = absl::Seconds(20);
#endif

struct Figures {
  std::atomic<int64_t> sent{0};
  std::atomic<int64_t> answered{0};  // any status came back
  std::atomic<int64_t> verified{0};  // OK, and the reply is this call's
  std::atomic<int64_t> crossed{0};   // OK, but another call's reply
  std::atomic<int64_t> failed{0};    // a status other than OK
};

// e2e_test_server in a child process, quiet: nobody reads a line per call
// from it, and a full stdout pipe would block its handlers.
class ServerProcess {
 public:
  ServerProcess() : child_({E2E_TEST_SERVER, "127.0.0.1:0", "--quiet"}) {
    const std::string line = child_.ReadLine(absl::Seconds(20));
    const std::string prefix = "listening on ";
    if (line.rfind(prefix, 0) == 0) target_ = line.substr(prefix.size());
  }
  bool ok() const { return child_.ok() && !target_.empty(); }
  const std::string& target() const { return target_; }
  pid_t pid() const { return child_.pid(); }

 private:
  ChildProcess child_;
  std::string target_;
};

void RunLoad(const std::string& target, int channel_count, Figures* figures) {
  std::vector<std::shared_ptr<Channel>> channels;
  for (int c = 0; c < channel_count; ++c) {
    absl::StatusOr<std::shared_ptr<Channel>> channel = Channel::Create(target);
    ASSERT_TRUE(channel.ok()) << channel.status();
    channels.push_back(*channel);
  }
  const absl::Time stop_at = absl::Now() + kTimeBound;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TestService::Stub stub(
          channels[static_cast<size_t>(t) % channels.size()]);
      for (int i = 0; i < kCallsPerThread && absl::Now() < stop_at; ++i) {
        EchoRequest request;
        // Distinct text, sizes from a few bytes to a few KiB.
        request.set_text(absl::StrCat(
            "c", channel_count, " t", t, " i", i, " ",
            std::string(static_cast<size_t>((i * 131 + t * 17) % 4096), 'x')));
        ++figures->sent;
        auto context = BoundedContext(absl::Seconds(20));
        absl::StatusOr<EchoReply> reply = stub.Echo(request, context.get());
        ++figures->answered;
        if (!reply.ok()) {
          ++figures->failed;
          ADD_FAILURE() << request.text().substr(0, 20) << ": "
                        << reply.status();
        } else if (reply->text() == request.text()) {
          ++figures->verified;
        } else {
          ++figures->crossed;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
}

void LoadOver(int channel_count) {
  ServerProcess server;
  ASSERT_TRUE(server.ok()) << "e2e_test_server did not start";
  // Warm up (one call) so the baseline includes the server's threads and
  // first allocations.
  {
    Figures warmup;
    absl::StatusOr<std::shared_ptr<Channel>> channel =
        Channel::Create(server.target());
    ASSERT_TRUE(channel.ok());
    TestService::Stub stub(*channel);
    EchoRequest request;
    request.set_text("warm");
    auto context = BoundedContext();
    ASSERT_TRUE(stub.Echo(request, context.get()).ok());
  }
  // The warm-up connection closed on the server too.
  int fds_before = -1;
  Eventually(
      [&] {
        const int now = OpenFds(server.pid());
        const bool settled = now == fds_before;
        fds_before = now;
        return settled;
      },
      absl::Seconds(2));
  const int64_t rss_before = ResidentKib(server.pid());
  Figures figures;
  const absl::Time start = absl::Now();
  RunLoad(server.target(), channel_count, &figures);
  const absl::Duration took = absl::Now() - start;
  // Channels are gone; the server closes its ends.
  EXPECT_TRUE(Eventually([&] { return OpenFds(server.pid()) <= fds_before; },
                         absl::Seconds(20)))
      << OpenFds(server.pid()) << " server descriptors, " << fds_before
      << " before";
  const int fds_after = OpenFds(server.pid());
  const int64_t rss_after = ResidentKib(server.pid());
  std::printf(
      "load over %d channel(s), %d threads: sent %lld answered %lld verified "
      "%lld crossed %lld failed %lld in %.2f s (%.0f calls/s); server RSS "
      "%lld -> %lld KiB, server fds %d -> %d\n",
      channel_count, kThreads, static_cast<long long>(figures.sent.load()),
      static_cast<long long>(figures.answered.load()),
      static_cast<long long>(figures.verified.load()),
      static_cast<long long>(figures.crossed.load()),
      static_cast<long long>(figures.failed.load()),
      absl::ToDoubleSeconds(took),
      static_cast<double>(figures.sent.load()) /
          std::max(absl::ToDoubleSeconds(took), 1e-3),
      static_cast<long long>(rss_before), static_cast<long long>(rss_after),
      fds_before, fds_after);
  std::fflush(stdout);
  EXPECT_GT(figures.sent.load(), 0);
  EXPECT_EQ(figures.answered.load(), figures.sent.load());
  EXPECT_EQ(figures.verified.load(), figures.sent.load());
  EXPECT_EQ(figures.crossed.load(), 0);
  EXPECT_EQ(figures.failed.load(), 0);
  // Nothing grows with the number of calls: a generous fixed bound.
  EXPECT_LT(rss_after - rss_before,
            (64 << 10) + reliability::kAllocatorSlackKib);
}

TEST(FRAMERPC_LOAD_SUITE, ManyThreadsOverOneChannel) { LoadOver(1); }

TEST(FRAMERPC_LOAD_SUITE, ManyThreadsOverSeveralChannels) { LoadOver(4); }

}  // namespace
}  // namespace framerpc::e2e
