#include "base/futex.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace framerpc {
namespace internal {

void FutexWaitRaw(const void* address, uint32_t expected,
                  const timespec* monotonic_deadline) {
  auto* word = const_cast<void*>(address);
  if (monotonic_deadline == nullptr) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, nullptr, nullptr, 0);
    return;
  }
  // FUTEX_WAIT_BITSET takes an absolute time (plain FUTEX_WAIT a relative
  // one), measured on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME is set.
  syscall(SYS_futex, word, FUTEX_WAIT_BITSET_PRIVATE, expected,
          monotonic_deadline, nullptr, FUTEX_BITSET_MATCH_ANY);
}

void FutexWakeRaw(const void* address, int count) {
  syscall(SYS_futex, const_cast<void*>(address), FUTEX_WAKE_PRIVATE, count,
          nullptr, nullptr, 0);
}

}  // namespace internal
}  // namespace framerpc
