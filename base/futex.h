// futex(2), the one way framerpc puts a thread to sleep on a
// word of its own and wakes it: a waker stores the word's new value and
// wakes in one step, with no mutex re-taken on either side (what a
// condition variable would cost). Used by the client's call slots and the
// server's worker pool.
//
// The word is a std::atomic of a 32-bit type (an integer or an enum with
// a 32-bit underlying type), which on Linux is laid out as the plain word
// the kernel compares. Stateless; safe from any thread.
#ifndef FRAMERPC_BASE_FUTEX_H_
#define FRAMERPC_BASE_FUTEX_H_

#include <time.h>

#include <atomic>
#include <cstdint>

namespace framerpc {
namespace internal {

// Sleeps while the word at `address` holds `expected`, until woken, or
// until `monotonic_deadline` (absolute CLOCK_MONOTONIC, what
// std::chrono::steady_clock reads; null: no deadline). Returns at once if
// the word already differs, so a wake between the caller's check and this
// call is not lost; may also return spuriously (callers loop on the word).
void FutexWaitRaw(const void* address, uint32_t expected,
                  const timespec* monotonic_deadline);
// Wakes up to `count` threads sleeping on the word at `address`.
void FutexWakeRaw(const void* address, int count);

template <typename T>
void FutexWait(const std::atomic<T>& word, T expected,
               const timespec* monotonic_deadline = nullptr) {
  static_assert(sizeof(std::atomic<T>) == sizeof(uint32_t) &&
                    std::atomic<T>::is_always_lock_free,
                "a futex word is a lock-free 32-bit atomic");
  FutexWaitRaw(&word, static_cast<uint32_t>(expected), monotonic_deadline);
}

template <typename T>
void FutexWake(const std::atomic<T>& word, int count) {
  static_assert(sizeof(std::atomic<T>) == sizeof(uint32_t) &&
                    std::atomic<T>::is_always_lock_free,
                "a futex word is a lock-free 32-bit atomic");
  FutexWakeRaw(&word, count);
}

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_BASE_FUTEX_H_
