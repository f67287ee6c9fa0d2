#include "server/handoff_monitor.h"

#include <string>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "base/futex.h"
#include "base/thread_name.h"
#include "rpc/log.h"

namespace framerpc {
namespace internal {

HandoffMonitor::HandoffMonitor(std::vector<Watched> loops,
                               LoopThreads* threads,
                               std::atomic<uint32_t>* doorbell,
                               std::atomic<int>* handed_off,
                               Clock::duration bound, Clock::duration tick)
    : loops_(std::move(loops)),
      threads_(threads),
      doorbell_(doorbell),
      handed_off_(handed_off),
      bound_(bound),
      tick_(tick) {}

HandoffMonitor::~HandoffMonitor() { Stop(); }

absl::Status HandoffMonitor::Start() {
  try {
    thread_ = std::thread([this] { Main(); });
  } catch (const std::system_error& e) {
    return absl::ResourceExhaustedError(
        absl::StrCat("start the hand-off monitor thread: ", e.what()));
  }
  return absl::OkStatus();
}

void HandoffMonitor::Stop() {
  stop_.store(true);
  doorbell_->store(0);
  FutexWake(*doorbell_, 1);
  if (thread_.joinable()) thread_.join();
}

void HandoffMonitor::Main() {
  NameThisThread("framerpc-mon");
  uint64_t begun = 0;
  int idle_looks = 0;
  while (!stop_.load()) {
    idle_looks = Scan(&begun) ? 0 : idle_looks + 1;
    if (idle_looks < kIdleLooksBeforeSleep) {
      std::this_thread::sleep_for(tick_);
    } else {
      SleepUntilAHandlerBegins();
      idle_looks = 0;
    }
  }
}

bool HandoffMonitor::Scan(uint64_t* begun_before) {
  const Clock::time_point now = Clock::now();
  bool running = false;
  uint64_t begun = 0;
  for (const Watched& watched : loops_) {
    begun += watched.ownership->handlers_begun();
    if (watched.ownership->TakeIfOverdue(now, bound_)) {
      handed_off_->fetch_add(1);
      handoffs_.fetch_add(1, std::memory_order_relaxed);
      const absl::Status granted = threads_->Grant(watched.loop, true);
      if (!granted.ok()) {
        // The loop waits for the next thread to come back: at the latest
        // the one running the handler it was taken from.
        Log(LogSeverity::kError, absl::StrCat("hand a blocked loop over: ",
                                              granted.message()));
      }
    } else if (watched.ownership->InHandler()) {
      running = true;
    }
  }
  const bool changed = begun != *begun_before;
  *begun_before = begun;
  return running || changed;
}

void HandoffMonitor::SleepUntilAHandlerBegins() {
  // seq_cst, paired with LoopOwnership::BeginHandler: either the look
  // below sees a handler that began, or its loop sees this and rings.
  doorbell_->store(1);
  for (const Watched& watched : loops_) {
    if (watched.ownership->InHandler()) {
      doorbell_->store(0);
      return;
    }
  }
  while (doorbell_->load() != 0 && !stop_.load()) {
    FutexWait(*doorbell_, uint32_t{1});
  }
}

}  // namespace internal
}  // namespace framerpc
