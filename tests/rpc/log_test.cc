// framerpc's log sink: the default prints errors only, a sink sees every
// message, null restores the default, long messages are cut, peer-provoked
// messages are rate-limited, and the sink can be swapped from many threads
// while others log (run under TSan).
#include "rpc/log.h"

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "framerpc/log.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

struct Recorded {
  std::mutex mu;
  std::vector<std::pair<LogSeverity, std::string>> messages;
};

// Installs a sink that records into `recorded`, which it shares, so a late
// delivery never touches a destroyed test.
void RecordInto(std::shared_ptr<Recorded> recorded) {
  SetLogSink([recorded](LogSeverity severity, absl::string_view message) {
    std::lock_guard<std::mutex> lock(recorded->mu);
    recorded->messages.emplace_back(severity, std::string(message));
  });
}

TEST(Log, TheDefaultSinkPrintsErrorsOnlyToStderr) {
  SetLogSink(nullptr);
  ::testing::internal::CaptureStderr();
  Log(LogSeverity::kInfo, "shutdown begun");
  Log(LogSeverity::kWarning, "a peer sent garbage");
  Log(LogSeverity::kError, "accept: Too many open files");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "framerpc: accept: Too many open files\n");
}

TEST(Log, ASinkSeesEverySeverityAndNullRestoresTheDefault) {
  auto recorded = std::make_shared<Recorded>();
  RecordInto(recorded);
  ::testing::internal::CaptureStderr();
  Log(LogSeverity::kInfo, "one");
  Log(LogSeverity::kError, "two");
  SetLogSink(nullptr);
  Log(LogSeverity::kError, "three");
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "framerpc: three\n");
  ASSERT_EQ(recorded->messages.size(), 2u);
  EXPECT_EQ(recorded->messages[0].first, LogSeverity::kInfo);
  EXPECT_EQ(recorded->messages[0].second, "one");
  EXPECT_EQ(recorded->messages[1].first, LogSeverity::kError);
  EXPECT_EQ(recorded->messages[1].second, "two");
}

TEST(Log, LongMessagesAreCut) {
  auto recorded = std::make_shared<Recorded>();
  RecordInto(recorded);
  Log(LogSeverity::kWarning, std::string(100000, 'x'));
  SetLogSink(nullptr);
  ASSERT_EQ(recorded->messages.size(), 1u);
  EXPECT_EQ(recorded->messages[0].second.size(), kMaxLogMessageSize);
  EXPECT_EQ(recorded->messages[0].second.substr(kMaxLogMessageSize - 3),
            "...");
}

// A hostile peer cannot flood the log: of a burst, at most the limit of
// two one-second windows (the burst may straddle a boundary) gets through.
TEST(Log, PeerProvokedMessagesAreRateLimited) {
  auto recorded = std::make_shared<Recorded>();
  RecordInto(recorded);
  for (int i = 0; i < 10000; ++i) {
    LogPeerProvoked(LogSeverity::kWarning, "close the connection from x");
  }
  SetLogSink(nullptr);
  EXPECT_GE(recorded->messages.size(), 1u);
  EXPECT_LE(recorded->messages.size(),
            2u * kMaxPeerProvokedLogsPerSecond);
}

TEST(Log, SeverityNames) {
  EXPECT_EQ(LogSeverityName(LogSeverity::kInfo), "INFO");
  EXPECT_EQ(LogSeverityName(LogSeverity::kWarning), "WARNING");
  EXPECT_EQ(LogSeverityName(LogSeverity::kError), "ERROR");
}

// Threads swap the sink while others log through it; TSan reports any race,
// and every delivery lands in a live sink.
TEST(Log, SetLogSinkFromManyThreadsIsSafe) {
  auto delivered = std::make_shared<std::atomic<int>>(0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([delivered] {
      for (int i = 0; i < 500; ++i) {
        SetLogSink([delivered](LogSeverity, absl::string_view) {
          delivered->fetch_add(1);
        });
        Log(LogSeverity::kWarning, "from a swapping thread");
      }
    });
    threads.emplace_back([] {
      for (int i = 0; i < 500; ++i) Log(LogSeverity::kInfo, "from a logger");
    });
  }
  for (std::thread& thread : threads) thread.join();
  SetLogSink(nullptr);
  // Each swapping thread's own message goes to some installed sink.
  EXPECT_GE(delivered->load(), 4 * 500);
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
