// ConnectBackoff, how long a channel waits between failed attempts to
// connect before a call that waits for the server (wait_for_ready) tries
// again: exponential backoff with jitter, as in gRPC's connection-backoff
// spec, with shorter numbers (below). docs/api.md §5.3 is the contract.
//
// Only callers that would otherwise try in a loop wait for it: a call that
// fails fast still tries to connect itself, once, whatever the backoff
// says, so a server that was restarted is reached by the first call after
// it listens again, and a failing server sees at most one attempt per call.
// Waiting callers, which would otherwise retry as fast as connect fails,
// are spaced out: 20 ms after the first failure, then each delay 1.6 times
// the last, randomised by ±20 % so that channels that failed together do
// not retry together, and never more than 1 s, so a caller that waits
// notices a server that came back within about a second (gRPC's 1 s
// initial and 120 s cap suit a fleet of clients reconnecting to a
// restarted server; a caller blocked on its call here should not wait for
// minutes after the server is back).
//
// A plain value; not thread-safe (the channel guards it with its mutex).
#ifndef FRAMERPC_CLIENT_CONNECT_BACKOFF_H_
#define FRAMERPC_CLIENT_CONNECT_BACKOFF_H_

#include <cstdint>
#include <random>

#include "absl/time/time.h"
#include "client/deadline.h"

namespace framerpc {
namespace internal {

class ConnectBackoff {
 public:
  static constexpr absl::Duration kInitial = absl::Milliseconds(20);
  static constexpr double kMultiplier = 1.6;
  static constexpr double kJitter = 0.2;  // each delay times [0.8, 1.2]
  static constexpr absl::Duration kMax = absl::Seconds(1);

  explicit ConnectBackoff(uint64_t seed) : random_(seed) {}

  // An attempt failed: the next may start after the delay returned, which
  // grows with each failure in a row (before jitter: 20 ms, 32 ms, 51 ms,
  // ... up to 1 s).
  absl::Duration Failed();
  // An attempt succeeded: the next failure starts from kInitial again.
  void Succeeded();

  // When the next attempt may start; passed already when there was no
  // failure since the last success.
  const Deadline& next_attempt() const { return next_attempt_; }

 private:
  absl::Duration delay_ = absl::ZeroDuration();  // before jitter; 0: none
  std::minstd_rand random_;
  Deadline next_attempt_ = Deadline::After(absl::ZeroDuration());
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CONNECT_BACKOFF_H_
