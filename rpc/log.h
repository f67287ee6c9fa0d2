// internal: how framerpc's own code logs, through the sink of
// framerpc/log.h. Log() for messages the server's own life causes (rare);
// LogPeerProvoked() for those a peer can cause at will, which are
// rate-limited. Both bound the message's length. Thread-safe.
#ifndef FRAMERPC_RPC_LOG_H_
#define FRAMERPC_RPC_LOG_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "framerpc/log.h"

namespace framerpc {
namespace internal {

// Longer messages are cut here, with "..." at the end.
inline constexpr size_t kMaxLogMessageSize = 1024;

// At most this many peer-provoked messages a second reach the sink; the
// next one that does says how many were dropped.
inline constexpr int kMaxPeerProvokedLogsPerSecond = 10;

// Delivers `message` to the sink (framerpc/log.h).
void Log(LogSeverity severity, absl::string_view message);

// As Log(), unless kMaxPeerProvokedLogsPerSecond messages already went out
// in the current second: then it is only counted.
void LogPeerProvoked(LogSeverity severity, absl::string_view message);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_RPC_LOG_H_
