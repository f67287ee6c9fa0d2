// SilenceWatch, the keepalive clock of one client connection (docs/api.md
// §5.3): it decides, each time the connection's reader finds nothing to
// read, whether the server has been silent long enough to ping it, or
// silent so long after a ping that the connection is dead.
//
// Silence counts from the last byte received, or from when calls came back
// in flight after none were (so an idle connection is never pinged, and a
// connection's first call after a quiet spell is not pinged at once). The
// connection reports both as counters, so the watch needs no callback on
// the data path: only looks that find nothing to read cost anything.
//
// A plain value; not thread-safe (used by the thread holding the reader
// role, which passes between threads under the connection's mutex).
#ifndef FRAMERPC_CLIENT_SILENCE_WATCH_H_
#define FRAMERPC_CLIENT_SILENCE_WATCH_H_

#include <cstdint>

#include "absl/time/time.h"
#include "client/deadline.h"

namespace framerpc {
namespace internal {

class SilenceWatch {
 public:
  enum class Action {
    kNone,  // nothing to do
    kPing,  // silent for keepalive_time: send a ping now (once)
    kDead,  // still silent keepalive_timeout after the ping
  };

  // InfiniteDuration for `keepalive_time` turns the watch off.
  SilenceWatch(absl::Duration keepalive_time, absl::Duration keepalive_timeout);

  // A look at `now`, with calls in flight and nothing read: `bytes_read` is
  // the connection's count of bytes received so far, `busy_epoch` its count
  // of times calls came in flight when none were. A change in either since
  // the last look starts the silence over.
  Action Look(Deadline::Clock::time_point now, uint64_t bytes_read,
              uint64_t busy_epoch);

 private:
  const bool enabled_;
  const Deadline::Clock::duration time_;
  const Deadline::Clock::duration timeout_;
  bool started_ = false;
  uint64_t bytes_read_ = 0;
  uint64_t busy_epoch_ = 0;
  Deadline::Clock::time_point silent_since_{};
  bool ping_sent_ = false;
  Deadline::Clock::time_point ping_sent_at_{};
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_SILENCE_WATCH_H_
