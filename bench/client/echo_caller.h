// EchoCaller: how one load-generator thread makes one echo call on one
// system, and CallerFactory, which makes a thread's caller (sharing a
// connection or channel between threads where the system is configured so).
//
// Every caller owns its request, whose payload is made by MakePayload() and
// stamped with the call's sequence number before each call, so a reply that
// belongs to another call or thread never matches by accident.
//
// A caller is used by one thread; a factory only by the thread that makes
// the callers, but the callers it makes may share state (a channel) that the
// system's client library makes thread-safe.
#ifndef FRAMERPC_BENCH_CLIENT_ECHO_CALLER_H_
#define FRAMERPC_BENCH_CLIENT_ECHO_CALLER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace framerpc {
namespace bench {

class EchoCaller {
 public:
  virtual ~EchoCaller() = default;

  // Stamps `sequence` into the request's payload, makes one synchronous call
  // and compares the reply's payload with the request's: `*matches` says
  // whether they are equal. An error status when the call itself failed;
  // the caller is then not used again.
  virtual absl::Status Call(uint64_t sequence, bool* matches) = 0;

  // Called on the load thread after its last call, before the caller is
  // destroyed on another thread: frees what must be freed on the thread
  // that used it (Cap'n Proto's event loop belongs to one thread).
  virtual void FinishOnThread() {}
};

class CallerFactory {
 public:
  virtual ~CallerFactory() = default;

  // The caller for load thread `thread_index`, with a payload of
  // `payload_size` bytes. Fails when it cannot connect (systems that connect
  // eagerly) or the target is malformed.
  virtual absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) = 0;
};

// A payload of `size` bytes: a byte pattern, with the thread's index in
// bytes 8..11 when it has room.
std::string MakePayload(size_t size, int thread_index);

// Writes `sequence` into the first (up to) 8 bytes of `payload`.
void StampPayload(uint64_t sequence, std::string* payload);

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_CLIENT_ECHO_CALLER_H_
