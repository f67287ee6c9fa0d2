// LentInput and SpareInput: a connection's input buffer lent to the call
// whose large request it holds, instead of copying the request out of it.
//
// A call that waits its turn (on the loop's queue, or a worker's) cannot
// read its request in the input buffer, which the loop reuses at once; a
// small request is copied. Copying a megabyte per call was most of what a
// 1 MiB echo paid over a hand-written server (docs/performance.md), so a
// large request keeps the bytes where they were read: the connection lends
// the call its whole input buffer and reads on into its spare, and the
// call gives the buffer back as the new spare when it is destroyed, on
// whichever thread that happens. Back-to-back large calls so alternate two
// buffers that keep their size, without the allocation and page faults of
// a fresh buffer per call.
//
// SpareInput is owned jointly (shared_ptr) by the Connection and, weakly,
// by the calls holding its buffers; thread-safe. A LentInput is owned by
// its Call, move-only, and used by one thread at a time.
#ifndef FRAMERPC_SERVER_LENT_INPUT_H_
#define FRAMERPC_SERVER_LENT_INPUT_H_

#include <cstddef>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "framing/buffer.h"

namespace framerpc {
namespace internal {

// The one buffer a connection keeps to read into while its input buffer is
// lent out.
class SpareInput {
 public:
  // The spare if one is back, emptied; otherwise a new buffer.
  Buffer Take();
  // Keeps `buffer` as the spare unless one is already kept or it is larger
  // than Buffer::kMaxIdleCapacity (the most an idle connection keeps per
  // buffer); it is freed otherwise.
  void GiveBack(Buffer buffer);

 private:
  std::mutex mu_;
  absl::optional<Buffer> spare_ ABSL_GUARDED_BY(mu_);
};

class LentInput {
 public:
  LentInput() = default;
  // `payload` lies inside `buffer`'s readable bytes.
  LentInput(Buffer buffer, absl::string_view payload,
            std::weak_ptr<SpareInput> home);
  // Gives the buffer back to its connection if it is still open.
  ~LentInput();
  LentInput(LentInput&& other) noexcept;
  LentInput& operator=(LentInput&& other) noexcept;

  bool has_buffer() const { return buffer_.has_value(); }
  // The request's bytes; valid while this LentInput lives (moving it keeps
  // them where they are).
  absl::string_view payload() const { return payload_; }

 private:
  void GiveBack();

  absl::optional<Buffer> buffer_;
  absl::string_view payload_;
  std::weak_ptr<SpareInput> home_;
};

// Whether a request of `payload_size` bytes is lent the buffer it was read
// into rather than copied, when `bytes_after` bytes of later input follow
// its frame there (those are copied into the spare). Small requests are
// cheaper to copy than a buffer is to swap.
bool ShouldLendInput(size_t payload_size, size_t bytes_after);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_LENT_INPUT_H_
