// Where framerpc's own messages go: connections closed for a protocol
// error or a limit, a listener that cannot accept, the server's shutdown,
// a blocked loop that cannot be handed over. docs/logging.md lists them.
//
// By default only kError messages are printed, to stderr, as
// "framerpc: <message>"; kInfo and kWarning are dropped. SetLogSink routes
// every message to the application's logger instead.
//
// A message names what happened and where (the peer's address, the
// listener's), never more than a bounded quote of anything a peer sent, and
// messages a peer can provoke are rate-limited, so a hostile peer cannot
// flood the log.
//
// Thread-safe: SetLogSink may be called from any thread at any time; a
// message already being delivered may still reach the previous sink.
#ifndef FRAMERPC_LOG_H_
#define FRAMERPC_LOG_H_

#include <functional>

#include "absl/strings/string_view.h"

namespace framerpc {

enum class LogSeverity {
  kInfo,     // the server's life: shutdown begun and done
  kWarning,  // a peer's fault the server shrugs off: garbage, limits hit
  kError,    // the server itself is hurt: cannot accept, cannot hand over
};

// "INFO", "WARNING", "ERROR".
absl::string_view LogSeverityName(LogSeverity severity);

// Receives every message framerpc logs, on whichever framerpc thread logs
// it (a loop or a worker), possibly on several threads at once. `message`
// is valid only during the call. The sink must not block for long, since
// the thread may be an event loop; it may call SetLogSink.
using LogSink =
    std::function<void(LogSeverity severity, absl::string_view message)>;

// Sends framerpc's messages to `sink` from now on; a null sink restores the
// default (kError to stderr).
void SetLogSink(LogSink sink);

}  // namespace framerpc

#endif  // FRAMERPC_LOG_H_
