// ResponseReader, the reading half of a ClientConnection: the input buffer,
// the frame decoder and the response being delivered. It reads the stream
// (the socket, or TLS over it) and turns each whole response frame into a
// DecodedResponse for the connection to hand to its caller; which thread
// reads, and when, is the connection's business (its reader role).
//
// Borrows the stream. Not thread-safe: used only by the thread holding the
// connection's reader role; the role passes between threads under the
// connection's mutex, which orders their accesses.
#ifndef FRAMERPC_CLIENT_RESPONSE_READER_H_
#define FRAMERPC_CLIENT_RESPONSE_READER_H_

#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "client/connection_io.h"
#include "framing/buffer.h"
#include "framing/frame_decoder.h"
#include "rpc/call_codec.h"

namespace framerpc {
namespace internal {

class ResponseReader {
 public:
  // `max_frame_size` bounds the responses accepted; a response whose
  // metadata crosses `metadata_limits` fails its own call only.
  explicit ResponseReader(size_t max_frame_size,
                          const MetadataLimits& metadata_limits = {});
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  // Reads once from the connection's stream into the input buffer.
  // OK when bytes arrived or none were ready. Otherwise the status that
  // breaks the connection, UNAVAILABLE: the server closed it (between
  // frames or mid-frame, saying how much is missing) or the read failed.
  absl::Status Read(ConnectionIo& io);
  // Bytes read so far: a change shows the server alive (keepalive).
  uint64_t bytes_read() const { return bytes_read_; }

  // Calls `deliver` for every whole response frame buffered, in order, and
  // consumes it. The response, and its payload view into the input buffer,
  // are valid only during that call. A response with too much metadata is
  // delivered as RESOURCE_EXHAUSTED for its call, with no payload. A drain
  // notice (call_id 0, code OK, `draining` set) calls `drain` instead and
  // is consumed. Returns OK once no whole frame is left, else the status
  // that breaks the connection: RESOURCE_EXHAUSTED for a frame over the
  // limit (UNAVAILABLE when the stream opened with a TLS record instead:
  // a TLS server), INTERNAL for a body that is not a Response, or the code and
  // message of any other call_id 0 response (the server's connection error;
  // INTERNAL if it says OK). The offending frame is left unconsumed.
  absl::Status DispatchFrames(
      absl::FunctionRef<void(const DecodedResponse&)> deliver,
      absl::FunctionRef<void()> drain);

 private:
  Buffer input_;
  uint64_t bytes_read_ = 0;
  // Whole frames taken from the stream so far.
  uint64_t frames_seen_ = 0;
  FrameDecoder decoder_;
  const MetadataLimits metadata_limits_;
  // Reused from frame to frame, so its metadata map keeps its storage.
  DecodedResponse response_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_RESPONSE_READER_H_
