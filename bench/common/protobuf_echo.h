// The protobuf work of the raw+pb baseline, shared by its thread-per-
// connection server, the pollref server and the raw+pb client: messages
// serialized straight into the frame that carries them (prefix first), and
// the server's echo step.
#ifndef FRAMERPC_BENCH_COMMON_PROTOBUF_ECHO_H_
#define FRAMERPC_BENCH_COMMON_PROTOBUF_ECHO_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "echo.pb.h"
#include "google/protobuf/message_lite.h"

namespace framerpc {
namespace bench {

// Replaces `*frame` with one frame holding `message`: the 4-byte length, then
// the serialized message, written in place (no intermediate string).
void SerializeFrame(const google::protobuf::MessageLite& message,
                    std::string* frame);

// The server side of one raw+pb call: parse the EchoRequest, build an
// EchoReply with the same payload (copied, as a framerpc or gRPC handler
// copies from its const request), serialize it as a whole frame.
//
// One per connection: it keeps the messages' allocations between calls.
// Not thread-safe.
class ProtobufEcho {
 public:
  // Parses `body` and prepares the reply. INVALID_ARGUMENT when `body` is
  // not an EchoRequest.
  absl::Status Handle(absl::string_view body);

  // Bytes of the reply frame prepared by the last successful Handle(),
  // length prefix included.
  size_t reply_frame_size() const;

  // Writes that frame at `out`. REQUIRES: reply_frame_size() bytes there.
  void WriteReplyFrame(char* out) const;

 private:
  EchoRequest request_;
  EchoReply reply_;
  size_t reply_body_size_ = 0;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_COMMON_PROTOBUF_ECHO_H_
