// ChannelOptions: how a Channel connects and what it accepts. A plain value.
#ifndef FRAMERPC_CLIENT_CHANNEL_OPTIONS_H_
#define FRAMERPC_CLIENT_CHANNEL_OPTIONS_H_

#include <cstddef>

#include "absl/time/time.h"
#include "framing/frame_format.h"

namespace framerpc {

struct ChannelOptions {
  // How long one attempt to connect may take before the call fails
  // UNAVAILABLE (a call's own deadline, if earlier, wins).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Largest response body accepted; a larger frame fails every call on the
  // connection RESOURCE_EXHAUSTED and closes it. Requests larger than this
  // are refused before sending.
  size_t max_frame_size = kDefaultMaxBodySize;
};

}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CHANNEL_OPTIONS_H_
