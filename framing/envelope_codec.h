// The envelope codec turns a wire header (framerpc.wire.Request or Response)
// plus the user's message into one frame, and back, without copying the
// user's message through a `bytes` string on either side.
//
// Encoding serializes the header's fields, then the payload field's tag and
// length, then the user's message straight into the output buffer, then puts
// the length prefix in the buffer's reserved front. The bytes equal what
// `header.set_payload(message.SerializeAsString())` would serialize to.
//
// Decoding walks the body's top-level fields once: the payload field (15) is
// returned as a view into the body, so the caller parses the user's message
// in place; the other fields are parsed into the header message.
//
// Stateless functions; thread-safe as long as the arguments are not shared.
#ifndef FRAMERPC_FRAMING_ENVELOPE_CODEC_H_
#define FRAMERPC_FRAMING_ENVELOPE_CODEC_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "framing/buffer.h"
#include "google/protobuf/message_lite.h"

namespace framerpc {

// Appends one frame to `out`: the length prefix, `header`'s fields, and
// `payload` serialized in place as field 15 (omitted when it serializes to
// nothing, as protobuf omits an empty bytes field). `payload` may be null:
// then only `header` is written, its own payload field included.
// REQUIRES: `header` has an empty payload field when `payload` is given.
// Fails RESOURCE_EXHAUSTED when the body would exceed `max_body_size`
// (or the 32-bit prefix); `out` is then unchanged.
absl::Status AppendFrame(const google::protobuf::MessageLite& header,
                         const google::protobuf::MessageLite* payload,
                         size_t max_body_size, Buffer* out);

// As above with the payload already serialized (tools, forwarding, tests).
absl::Status AppendFrameWithPayloadBytes(
    const google::protobuf::MessageLite& header, absl::string_view payload,
    size_t max_body_size, Buffer* out);

// Parses a frame body into `header` (whose payload field stays empty) and
// `*payload`, a view into `body` valid as long as `body` is; empty when the
// field is absent. As protobuf does, the last payload field wins and unknown
// fields are kept in `header`. Fails INVALID_ARGUMENT, naming the header type
// and the body size, when the body is not a valid message of that type.
absl::Status DecodeEnvelope(absl::string_view body,
                            google::protobuf::MessageLite* header,
                            absl::string_view* payload);

}  // namespace framerpc

#endif  // FRAMERPC_FRAMING_ENVELOPE_CODEC_H_
