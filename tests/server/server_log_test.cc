// What a running server logs through the sink of framerpc/log.h: a garbage
// frame from a peer closes its connection with a warning naming the peer,
// and Shutdown says when it begins and ends.
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "framerpc/log.h"
#include "gtest/gtest.h"
#include "tests/server/server_harness.h"

namespace framerpc {
namespace test {
namespace {

// Shared with the sink, so a late delivery never touches a finished test.
struct Recorded {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<std::pair<LogSeverity, std::string>> messages;

  // Waits up to `timeout` for a message of `severity` containing `text`.
  bool Await(LogSeverity severity, absl::string_view text,
             absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu);
    return changed.wait_for(lock, absl::ToChronoNanoseconds(timeout), [&] {
      for (const auto& [s, message] : messages) {
        if (s == severity && absl::StrContains(message, text)) return true;
      }
      return false;
    });
  }
};

std::shared_ptr<Recorded> RecordLogs() {
  auto recorded = std::make_shared<Recorded>();
  SetLogSink([recorded](LogSeverity severity, absl::string_view message) {
    std::lock_guard<std::mutex> lock(recorded->mu);
    recorded->messages.emplace_back(severity, std::string(message));
    recorded->changed.notify_all();
  });
  return recorded;
}

TEST(ServerLog, AGarbageFrameIsLoggedAsAWarningNamingThePeer) {
  std::shared_ptr<Recorded> recorded = RecordLogs();
  ServerHarness harness;
  ASSERT_TRUE(harness.Start().ok());
  // Peer-provoked messages are rate-limited process-wide, and other tests
  // may have spent this second's share: a fresh connection per attempt.
  const absl::Time deadline = absl::Now() + kWait;
  bool logged = false;
  while (!logged && absl::Now() < deadline) {
    absl::StatusOr<RawClient> client = harness.Connect();
    ASSERT_TRUE(client.ok()) << client.status();
    // A 5-byte frame whose body is no wire.Request.
    ASSERT_TRUE(
        client->SendRaw(std::string("\0\0\0\5\xff\xff\xff\xff\xff", 9)).ok());
    logged = recorded->Await(
        LogSeverity::kWarning,
        "close the connection from " + client->LocalAddress(),
        absl::Milliseconds(300));
  }
  SetLogSink(nullptr);
  EXPECT_TRUE(logged);
}

TEST(ServerLog, ShutdownIsLoggedAtInfoWhenItBeginsAndEnds) {
  std::shared_ptr<Recorded> recorded = RecordLogs();
  {
    ServerHarness harness;
    ASSERT_TRUE(harness.Start().ok());
    harness.server().Shutdown(absl::Seconds(1));
  }
  SetLogSink(nullptr);
  EXPECT_TRUE(recorded->Await(LogSeverity::kInfo, "server shutdown begun",
                              absl::ZeroDuration()));
  EXPECT_TRUE(recorded->Await(LogSeverity::kInfo, "server shutdown done",
                              absl::ZeroDuration()));
}

}  // namespace
}  // namespace test
}  // namespace framerpc
