// Frames (4-byte big-endian length, then the body: docs/protocol.md §2) on
// a blocking socket, as cheaply as a hand-written peer can move them: one
// gathered send per frame, and reads into a reusable buffer that usually
// take a whole small frame in one system call. The raw and raw+pb systems
// and their client use these; they are the baseline framerpc is measured
// against, so they avoid every copy and call they can.
//
// BlockingFrameReader owns its buffer; one per connection, one thread at a
// time.
#ifndef FRAMERPC_BENCH_COMMON_BLOCKING_FRAMES_H_
#define FRAMERPC_BENCH_COMMON_BLOCKING_FRAMES_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"

namespace framerpc {
namespace bench {

// Largest body bench peers accept: framerpc's default (16 MiB).
inline constexpr size_t kBenchMaxBodySize = size_t{16} << 20;

// Sends the length prefix and `body` in one gathered write (looping over
// partial writes and EINTR; MSG_NOSIGNAL). The errno's status on failure.
absl::Status SendFrame(int fd, absl::string_view body);

// Sends `bytes`, already one or more whole frames, prefix included.
absl::Status SendBytes(int fd, absl::string_view bytes);

class BlockingFrameReader {
 public:
  BlockingFrameReader() : decoder_(kBenchMaxBodySize) {}

  // The next frame's body, blocking until it has arrived whole. The view
  // stays valid until the next call. nullopt when the peer closed cleanly
  // between frames; UNAVAILABLE when it closed inside one; the errno's
  // status on a socket error; RESOURCE_EXHAUSTED for a body over the limit.
  absl::StatusOr<absl::optional<absl::string_view>> Next(int fd);

 private:
  Buffer buffer_;
  FrameDecoder decoder_;
  size_t consumed_ = 0;  // size of the frame returned last, still in buffer_
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_BLOCKING_FRAMES_H_
