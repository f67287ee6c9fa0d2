// framerpc's log sink (framerpc/log.h) and the internal logging calls
// (rpc/log.h): the sink slot, the default stderr sink, the bound on each
// message's length and the rate limit of peer-provoked messages.
#include "rpc/log.h"

#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace framerpc {
namespace {

using Clock = std::chrono::steady_clock;

struct LogState {
  std::mutex mu;
  // Shared so that a message can be delivered outside the lock while
  // another thread replaces the sink.
  std::shared_ptr<const LogSink> sink;  // null: the default
  // The rate limit of LogPeerProvoked: messages sent in the current
  // one-second window, and those dropped since the last one sent.
  Clock::time_point window_start;
  int sent_in_window = 0;
  uint64_t dropped = 0;
};

// Never destroyed: a loop thread may still log during static destruction.
LogState& State() {
  static LogState* state = new LogState;
  return *state;
}

void DefaultSink(LogSeverity severity, absl::string_view message) {
  if (severity != LogSeverity::kError) return;
  const std::string line = absl::StrCat("framerpc: ", message, "\n");
  std::fwrite(line.data(), 1, line.size(), stderr);
}

void Deliver(LogSeverity severity, absl::string_view message) {
  std::shared_ptr<const LogSink> sink;
  {
    LogState& state = State();
    std::lock_guard<std::mutex> lock(state.mu);
    sink = state.sink;
  }
  std::string bounded;
  if (message.size() > internal::kMaxLogMessageSize) {
    bounded = absl::StrCat(
        message.substr(0, internal::kMaxLogMessageSize - 3), "...");
    message = bounded;
  }
  if (sink == nullptr) {
    DefaultSink(severity, message);
  } else {
    (*sink)(severity, message);
  }
}

}  // namespace

absl::string_view LogSeverityName(LogSeverity severity) {
  switch (severity) {
    case LogSeverity::kInfo:
      return "INFO";
    case LogSeverity::kWarning:
      return "WARNING";
    case LogSeverity::kError:
      return "ERROR";
  }
  return "UNKNOWN";
}

void SetLogSink(LogSink sink) {
  std::shared_ptr<const LogSink> shared;
  if (sink) shared = std::make_shared<const LogSink>(std::move(sink));
  LogState& state = State();
  std::lock_guard<std::mutex> lock(state.mu);
  // The old sink dies with the last delivery still holding it.
  state.sink = std::move(shared);
}

namespace internal {

void Log(LogSeverity severity, absl::string_view message) {
  Deliver(severity, message);
}

void LogPeerProvoked(LogSeverity severity, absl::string_view message) {
  uint64_t dropped = 0;
  {
    LogState& state = State();
    std::lock_guard<std::mutex> lock(state.mu);
    const Clock::time_point now = Clock::now();
    if (now - state.window_start >= std::chrono::seconds(1)) {
      state.window_start = now;
      state.sent_in_window = 0;
    }
    if (state.sent_in_window >= kMaxPeerProvokedLogsPerSecond) {
      ++state.dropped;
      return;
    }
    ++state.sent_in_window;
    dropped = std::exchange(state.dropped, 0);
  }
  if (dropped == 0) {
    Deliver(severity, message);
    return;
  }
  Deliver(severity,
          absl::StrCat(message, " (", dropped,
                       " similar messages dropped before this one: more than ",
                       kMaxPeerProvokedLogsPerSecond, " a second)"));
}

}  // namespace internal
}  // namespace framerpc
