// HandoffMonitor, internal: the thread that keeps a blocking handler from
// stalling its loop. Handlers run on the loop thread that decoded their
// request, with no thread hop; every `tick` while handlers run, the
// monitor looks at each loop, and one whose handler has run for `bound`
// or more is taken from its thread (LoopOwnership) and granted to another
// (LoopThreads), which serves the loop's other connections meanwhile. So a
// handler that blocks delays its loop's other calls by about `bound` to
// `bound` + `tick`, once, however long it blocks. Go's runtime retakes a
// processor from a thread blocked in a system call the same way.
//
// Costs: while handlers run, the monitor wakes every `tick` (a timer wakeup
// on some core, nothing on the loops'); once kIdleLooksBeforeSleep ticks
// in a row pass with no handler begun, it sleeps until the next one
// begins, and that handler's loop pays one futex wake to ring it. Steady
// traffic so costs a tick's wakeup and no ring, whatever the call rate;
// sleeping after a single idle tick rang the monitor about once per tick
// at concurrency 1 (twice the wakeups) and on nearly every call of a
// workload whose calls are a tick or more apart (1 MiB echo).
//
// Borrows the loops' ownership words, the loops, the threads and the
// counters, which must outlive Stop. Start and Stop are for the owner.
#ifndef FRAMERPC_SERVER_HANDOFF_MONITOR_H_
#define FRAMERPC_SERVER_HANDOFF_MONITOR_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "server/loop_ownership.h"
#include "server/loop_threads.h"

namespace framerpc {
namespace internal {

class HandoffMonitor {
 public:
  using Clock = LoopOwnership::Clock;

  // How long a handler runs on its loop before the loop is handed to
  // another thread, and how often the monitor looks (docs/performance.md,
  // "Handlers on the loop").
  static constexpr std::chrono::microseconds kDefaultBound =
      LoopOwnership::kHandlerRunBound;
  static constexpr std::chrono::microseconds kDefaultTick{1000};
  // Ticks with no handler before the monitor sleeps until rung.
  static constexpr int kIdleLooksBeforeSleep = 20;

  struct Watched {
    LoopOwnership* ownership;
    ServedLoop* loop;
  };

  // `doorbell` is what every watched LoopOwnership was made with.
  // `handed_off` counts the handlers whose loop was taken and that have
  // not finished yet: incremented here, decremented by their threads.
  HandoffMonitor(std::vector<Watched> loops, LoopThreads* threads,
                 std::atomic<uint32_t>* doorbell, std::atomic<int>* handed_off,
                 Clock::duration bound = kDefaultBound,
                 Clock::duration tick = kDefaultTick);
  // Stop().
  ~HandoffMonitor();
  HandoffMonitor(const HandoffMonitor&) = delete;
  HandoffMonitor& operator=(const HandoffMonitor&) = delete;

  // Starts the monitor thread; RESOURCE_EXHAUSTED if it cannot be made.
  absl::Status Start();
  // Stops and joins it. Idempotent.
  void Stop();

  // Loops handed to another thread so far.
  uint64_t handoffs() const { return handoffs_.load(); }

 private:
  void Main();
  // One look at every loop; true while some handler runs or began since
  // the last look.
  bool Scan(uint64_t* begun_before);
  // Sleeps until a handler begins or Stop, unless one is running.
  void SleepUntilAHandlerBegins();

  const std::vector<Watched> loops_;
  LoopThreads* const threads_;
  std::atomic<uint32_t>* const doorbell_;
  std::atomic<int>* const handed_off_;
  const Clock::duration bound_;
  const Clock::duration tick_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> handoffs_{0};
  std::thread thread_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_HANDOFF_MONITOR_H_
