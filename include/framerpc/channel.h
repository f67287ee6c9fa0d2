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
// Calls are synchronous for the caller, or asynchronous (the Call overload
// with a done callback, see below), and pipelined on the wire: concurrent
// calls from many threads travel over the same connection and are matched to
// their responses by call id, in whatever order the server answers. The
// channel connects on the first call and reconnects on the next call after a
// failure; calls in flight when a connection breaks fail UNAVAILABLE, except
// those the server never processed, which are sent again on another
// connection or endpoint within their deadline (docs/api.md §5.3).
// EnableMetrics counts the calls in gRPC's client metrics (docs/metrics.md).
//
// Thread-safe. Held by shared_ptr: every Stub shares ownership, and the
// connections close (and the Channel's threads end) when the last holder
// lets go (no call may be running then, as a call holds a reference; an
// asynchronous call holds one until its done callback has returned).
#ifndef FRAMERPC_CHANNEL_H_
#define FRAMERPC_CHANNEL_H_

#include <memory>
#include <string>

#include "absl/functional/any_invocable.h"
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

class Channel : public std::enable_shared_from_this<Channel> {
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

  // The asynchronous form: starts the call and returns at once, never
  // blocking on a lookup, a connect, a full socket or the reply. `done`
  // runs exactly once, with the status the synchronous form would have
  // returned (deadline, TryCancel, connection failures, interceptors and
  // the resending of calls the server never processed all apply the same
  // way), after `*response` and the context's response_metadata() are
  // filled or the call failed. It runs on one of the Channel's
  // "framerpc-done" threads, never inside this call, even when the call
  // fails at once (a null `response`: INVALID_ARGUMENT). `request`,
  // `*response` and `*context` (may be null) are borrowed until `done`
  // has been called; `method` is copied.
  //
  // Threading: the Channel runs done callbacks on a small pool of its own
  // (2 threads). A done that blocks delays the other done callbacks of the
  // same Channel once both threads are blocked, never the reading of
  // replies (synchronous callers get theirs as usual) nor the sending of
  // requests. A done may start more calls, asynchronous or (sparingly, as
  // it holds a pool thread) synchronous. framerpc/call_group.h waits for
  // several calls at once.
  void Call(absl::string_view method, const google::protobuf::Message& request,
            google::protobuf::Message* response, ClientContext* context,
            absl::AnyInvocable<void(absl::Status) &&> done);

  // The target this channel was created with, as given.
  const std::string& target() const;

  // Starts counting this channel's calls, per method, in gRPC's
  // OpenTelemetry client metrics (gRFC A66; docs/metrics.md): attempts
  // started, and per final status the attempts' durations and message
  // sizes and the whole calls' durations. Calls started after it are
  // counted, synchronous and asynchronous alike; calls already under way
  // are not. A call is one Call, resends included, counted even when it
  // fails before anything is sent (a deadline, no connection, an
  // interceptor's rejection); an attempt is each time the call is handed
  // to a connection. Calling it again is harmless; it cannot be undone.
  // Before it, a call pays one pointer check for metrics. Thread-safe, any
  // time.
  void EnableMetrics();

  // What EnableMetrics counted, in the Prometheus text exposition format
  // 0.0.4, grpc_method and grpc_target (target(), as given) on every
  // series; empty before EnableMetrics (as Server::MetricsText is when
  // nothing is counted). Thread-safe: a text read while calls run may show
  // an attempt started whose end is not counted yet, never a torn count.
  std::string MetricsText() const;

 private:
  explicit Channel(std::unique_ptr<internal::ChannelCore> core);

  std::unique_ptr<internal::ChannelCore> core_;
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_H_
