// LoopOwnership, internal: which thread holds an EventLoop while it runs a
// handler that may block. A loop runs handlers on its own thread (no hop),
// marking each one's start here; a HandoffMonitor that sees a handler run
// past its bound takes the loop away from that thread (one atomic
// compare-and-swap, which the loop thread's own end-of-handler swap races
// against, so exactly one of them wins) and gives it to another thread,
// which serves the loop's connections while the first finishes its
// handler. The loser of the race knows it: the loop thread learns from
// EndHandler that the loop is no longer its own and must not touch it
// again, and a monitor that lost simply sees the handler ended.
//
// Memory order: everything the loop thread wrote before BeginHandler is
// visible to the monitor that took the loop (release, acquire), and
// through it, to the thread it then gives the loop to.
//
// One per EventLoop. BeginHandler, EndHandler and Resume are for the
// thread holding the loop; the rest is for any thread. Lock-free.
#ifndef FRAMERPC_SERVER_LOOP_OWNERSHIP_H_
#define FRAMERPC_SERVER_LOOP_OWNERSHIP_H_

#include <atomic>
#include <chrono>
#include <cstdint>

namespace framerpc {
namespace internal {

class LoopOwnership {
 public:
  using Clock = std::chrono::steady_clock;

  // How long a loop serves nobody but the handlers it runs: a HandoffMonitor
  // takes it from a handler still running after this long, and the loop
  // itself stops starting queued handlers (to poll first) once a run of
  // them has lasted this long (docs/performance.md, "Handlers on the loop").
  static constexpr std::chrono::microseconds kHandlerRunBound{1000};

  // `monitor_asleep` (borrowed) is the HandoffMonitor's doorbell: nonzero
  // while it sleeps for want of handlers to watch; BeginHandler rings it.
  explicit LoopOwnership(std::atomic<uint32_t>* monitor_asleep)
      : monitor_asleep_(monitor_asleep) {}
  LoopOwnership(const LoopOwnership&) = delete;
  LoopOwnership& operator=(const LoopOwnership&) = delete;

  // The holder is about to run a handler that may be handed off. `since`
  // is when the loop last served anyone else: the start of the run of
  // handlers this one belongs to, so that many short handlers in a row
  // are handed off like one long one. Returns the token to end it with.
  uint64_t BeginHandler(Clock::time_point since);
  // The handler begun with `token` returned. True: the caller still holds
  // the loop. False: a monitor took it meanwhile (and another thread may
  // hold it and be running handlers of its own by now); the caller must
  // not touch the loop again.
  bool EndHandler(uint64_t token);

  // Monitor: takes the loop when its handler runs and the loop has served
  // nobody else for `bound` or more (BeginHandler's `since`) at `now`. True when taken: the caller must give the loop to a thread,
  // which calls Resume before touching it.
  bool TakeIfOverdue(Clock::time_point now, Clock::duration bound);
  // The new holder of a taken loop, before anything else.
  void Resume();

  // Whether a handler is running on the loop's thread right now.
  bool InHandler() const {
    return (word_.load(std::memory_order_seq_cst) & kPhaseMask) == kInHandler;
  }
  // Handlers begun so far (wraps; compared for change only).
  uint64_t handlers_begun() const {
    return word_.load(std::memory_order_relaxed) >> kPhaseBits;
  }

 private:
  // The word: handlers begun, shifted left by kPhaseBits, and the phase.
  static constexpr int kPhaseBits = 2;
  static constexpr uint64_t kPhaseMask = (uint64_t{1} << kPhaseBits) - 1;
  static constexpr uint64_t kIdle = 0;
  static constexpr uint64_t kInHandler = 1;
  static constexpr uint64_t kTaken = 2;

  std::atomic<uint64_t> word_{kIdle};
  // BeginHandler's `since` for the current handler, in Clock ticks;
  // written before the word says kInHandler.
  std::atomic<int64_t> began_{0};
  std::atomic<uint32_t>* const monitor_asleep_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_LOOP_OWNERSHIP_H_
