// Channel: the client's end of the connections to a framerpc service,
// shared by every Stub and thread that calls it.
//
// The target names where the service is, in any form of docs/api.md §5.1:
// "host:port", "[v6]:port", "unix:/path", an address list
// ("ipv4:a.b.c.d:port,...", "ipv6:[v6]:port,...") or a DNS name
// ("dns:///name:port", "dns://ADDR:PORT/name:port", looked up by the
// Channel's own c-ares resolver and thread). Every address the target
// names is an endpoint with its own connections; each call goes to one
// endpoint chosen by ChannelOptions::load_balancing among those that can
// take it. The first call finds the addresses; after that a name is looked
// up again in the Channel's own thread ("framerpc-chan"), every
// ChannelOptions::dns_refresh_interval and soon after a connection fails,
// never blocking a caller: new addresses join, and addresses that left
// the answer take no new calls and close once their calls are done.
// An endpoint whose connect fails waits out a backoff while calls go to
// the others (docs/api.md §5.3).
//
// Calls are synchronous for the caller but pipelined on the wire: concurrent
// calls from many threads travel over the same connection and are matched to
// their responses by call id, in whatever order the server answers. The
// channel connects on the first call and reconnects on the next call after a
// failure; calls in flight when a connection breaks fail UNAVAILABLE, except
// those the server never processed, which are sent again on another
// connection or endpoint within their deadline (docs/api.md §5.3).
//
// Thread-safe. Held by shared_ptr: every Stub shares ownership, and the
// connections close (and the Channel's threads end) when the last holder
// lets go (no call may be running then, as a call holds a reference).
#ifndef FRAMERPC_CHANNEL_H_
#define FRAMERPC_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "framerpc/channel_options.h"
#include "framerpc/client_context.h"
#include "google/protobuf/message.h"

namespace framerpc {

namespace internal {
class ChannelCore;
}  // namespace internal

class Channel {
 public:
  // Validates `target` (see above) without connecting or resolving. Fails
  // INVALID_ARGUMENT naming a malformed target and its fault, or an
  // unusable option; INTERNAL when a dns: target's resolver cannot be set
  // up (c-ares's reason).
  static absl::StatusOr<std::shared_ptr<Channel>> Create(
      absl::string_view target, ChannelOptions options = ChannelOptions());

  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Calls `method` ("package.Service/Method") with `request` and parses the
  // reply into `*response`. Blocks until the reply arrives, the deadline in
  // `context` passes (DEADLINE_EXCEEDED), or the call fails; the codes are
  // those of docs/api.md §6. `context` may be null (no deadline, no metadata);
  // when given, its response_metadata() is filled from the reply. On error
  // `*response` is left in an unspecified but valid state.
  absl::Status Call(absl::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response,
                    ClientContext* context = nullptr);

  // The target this channel was created with, as given.
  const std::string& target() const;

 private:
  explicit Channel(std::unique_ptr<internal::ChannelCore> core);

  std::unique_ptr<internal::ChannelCore> core_;
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_H_
