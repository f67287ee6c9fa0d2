// The frame layout of docs/protocol.md §2 (Frames), in one place: a 4-byte
// big-endian body length, then the body, one serialized
// framerpc.wire.Request or framerpc.wire.Response.
#ifndef FRAMERPC_FRAMING_FRAME_FORMAT_H_
#define FRAMERPC_FRAMING_FRAME_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace framerpc {

// Bytes of the length prefix in front of every body.
inline constexpr size_t kFrameHeaderSize = 4;

// Default largest body a side accepts (16 MiB); configurable per side.
inline constexpr size_t kDefaultMaxBodySize = size_t{16} << 20;

// The largest body the 32-bit prefix can describe.
inline constexpr size_t kMaxEncodableBodySize = UINT32_MAX;

}  // namespace framerpc

#endif  // FRAMERPC_FRAMING_FRAME_FORMAT_H_
