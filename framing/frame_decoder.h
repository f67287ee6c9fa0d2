// FrameDecoder splits one connection's byte stream into whole frame bodies.
// Call Next() after every read, in a loop: it returns each complete body at
// the front of the buffer and leaves a partial frame there for next time. A
// length over the limit is reported as soon as its 4-byte prefix is in,
// before any of its body is buffered or allocated for.
//
// Holds only its limit; borrows the Buffer for each call. Not thread-safe:
// used only on its connection's loop.
#ifndef FRAMERPC_FRAMING_FRAME_DECODER_H_
#define FRAMERPC_FRAMING_FRAME_DECODER_H_

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/optional.h"
#include "framing/buffer.h"

namespace framerpc {

struct Frame {
  // The body, a view into the buffer: valid until the buffer changes.
  absl::string_view body;
  // Prefix plus body: what to Retrieve() from the buffer once done with it.
  size_t frame_size;
};

class FrameDecoder {
 public:
  explicit FrameDecoder(size_t max_body_size) : max_body_size_(max_body_size) {}

  // The first whole frame in `buffer`, without consuming it; nullopt while
  // the frame is incomplete; RESOURCE_EXHAUSTED (naming both sizes) when its
  // declared length exceeds the limit — the stream cannot be resynchronised
  // after that, so the connection should be answered and closed.
  absl::StatusOr<absl::optional<Frame>> Next(const Buffer& buffer) const;

  // Bytes still missing for the frame at the front of `buffer` (the rest of
  // the prefix if that is incomplete); 0 when a whole frame is present. Lets
  // a reader reserve a large body's space once instead of growing in steps.
  // The declared length is trusted only up to the limit.
  size_t BytesMissing(const Buffer& buffer) const;

  size_t max_body_size() const { return max_body_size_; }

 private:
  size_t max_body_size_;
};

// Reads the big-endian length prefix at `p` (4 bytes, any alignment).
uint32_t DecodeFrameLength(const char* p);
// Writes `length` as a big-endian prefix at `p` (4 bytes, any alignment).
void EncodeFrameLength(uint32_t length, char* p);

}  // namespace framerpc

#endif  // FRAMERPC_FRAMING_FRAME_DECODER_H_
