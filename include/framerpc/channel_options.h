// ChannelOptions: how a Channel connects, spreads its calls over the
// target's endpoints, what it accepts, and the interceptors every call
// passes. A plain value (the interceptors shared).
#ifndef FRAMERPC_CHANNEL_OPTIONS_H_
#define FRAMERPC_CHANNEL_OPTIONS_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "framerpc/interceptor.h"
#include "framerpc/tls_options.h"

namespace framerpc {

// How a Channel whose target has several addresses (endpoints) chooses one
// for each call (docs/api.md §5.2). Each policy chooses among the endpoints
// that can take a call now: not waiting out a failed connect's backoff and,
// with ChannelOptions::health_check, not reporting NOT_SERVING.
enum class LoadBalancing {
  // Every call to one endpoint, the first of the target's addresses that
  // works, until it fails; then the next that works, and so on.
  kPickFirst,
  // The endpoints in turn, one call each.
  kRoundRobin,
  // Of two endpoints chosen at random, the one with fewer of this
  // Channel's calls in flight ("power of two choices"): a slow endpoint,
  // whose calls pile up, gets fewer new ones.
  kLeastLoaded,
};

struct ChannelOptions {
  // Also reachable as ChannelOptions::LoadBalancing.
  using LoadBalancing = ::framerpc::LoadBalancing;

  // How long one attempt to connect may take before the call fails
  // UNAVAILABLE (a call's own deadline, if earlier, wins; a call that
  // waits for ready tries again after the backoff instead).
  absl::Duration connect_timeout = absl::Seconds(5);
  // Largest response body accepted; a larger frame fails every call on the
  // connection RESOURCE_EXHAUSTED and closes it. Requests larger than this
  // are refused before sending.
  size_t max_frame_size = size_t{16} << 20;
  // How many connections the Channel may open to each endpoint (each
  // address of its target). With 1 (the
  // default) every call is multiplexed over one connection. With more, a
  // call takes a connection no other call is using, opening one while
  // fewer than this many are open, and shares the least busy one only when
  // all are in use (brpc's "pooled" connections). On a multiplexed
  // connection one caller reads for all and wakes each of the others; on a
  // connection of its own the kernel wakes the caller directly. The trade:
  // more connections, each with server-side state, kept open while idle.
  // Choose about one per thread that calls concurrently when those threads
  // keep the channel busy; keep 1 for occasional or single-threaded
  // callers (measurements: docs/performance.md, "Choosing the options").
  // Values below 1 count as 1.
  int max_connections = 1;
  // How calls are spread over the target's endpoints (see LoadBalancing).
  // A policy other than kPickFirst sends calls only to endpoints with an
  // open connection while any has one: an endpoint it would choose that
  // is not connected yet is connected in the background meanwhile, so no
  // call waits for a connect while another endpoint could take it.
  LoadBalancing load_balancing = LoadBalancing::kLeastLoaded;
  // How often a target that names hosts (a "dns:" target, or "host:port"
  // with a host name rather than an IP literal) is resolved again, in the
  // Channel's own thread; also soon after a connection to one of its
  // endpoints fails (at most once a second). New addresses become
  // endpoints; an address no longer in the answer stops taking calls, and
  // its connections close once the calls on them have finished. A
  // resolution that fails keeps the addresses of the last one that worked,
  // and the failure is named in the message of calls that fail meanwhile.
  // Must be positive.
  absl::Duration dns_refresh_interval = absl::Seconds(30);
  // Metadata one response may carry: entries on the wire (a repeated key
  // counts each time) and the sum of their key and value sizes, with the
  // server's defaults (ServerOptions). A response over either fails its
  // call RESOURCE_EXHAUSTED, naming its sizes and these limits; other calls
  // and the connection go on. Requests are not checked against them: like
  // gRPC, only the receiver knows its limit, and the server's answer to an
  // over-limit request names its own.
  size_t max_metadata_entries = 64;
  size_t max_metadata_bytes = size_t{16} << 10;
  // How long a call may take when its ClientContext sets neither a timeout
  // nor a deadline (or when it has no context): the call then behaves as if
  // the context had set_timeout(default_timeout). The default waits as
  // long as the connection lives. Must be positive.
  absl::Duration default_timeout = absl::InfiniteDuration();
  // Dead-peer detection (docs/api.md §5.3). After `keepalive_time` without
  // a byte from the server while calls are in flight, the Channel sends a
  // framerpc.Control/Ping; with no byte within `keepalive_timeout` after
  // it, the connection is declared dead and its calls fail UNAVAILABLE
  // (those the server cannot have seen are sent again), deadline or not.
  // A connection with no call in flight is never pinged, so pings never
  // hold an idle connection open against the server's idle timeout. The
  // kernel is told the same on TCP sockets: TCP_USER_TIMEOUT of their sum,
  // and TCP keepalive probes after `keepalive_time` of idleness, dead after
  // one unanswered for `keepalive_timeout` (whole seconds, rounded up).
  // Both must be positive.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Ask each endpoint's framerpc.health service (Server::EnableHealthCheck)
  // whether the server is serving, on each new connection before its first
  // call and every 250 ms while it is open, and send no calls to one that
  // says NOT_SERVING (or anything but SERVING) until it says SERVING
  // again. A server without the health service (UNIMPLEMENTED) counts as
  // serving.
  bool health_check = false;
  // Objects that see each call before anything of it is sent, in this
  // order, and after it ends, in reverse order; any of them may fail a
  // call with a status before it reaches the network
  // (framerpc/interceptor.h). Shared: the Channel keeps these pointers
  // until it is destroyed. A null one fails Channel::Create with
  // INVALID_ARGUMENT. Empty (the default): no cost to a call.
  std::vector<std::shared_ptr<ClientInterceptor>> interceptors;
  // TLS to every endpoint (framerpc/tls_options.h); off by default.
  TlsChannelOptions tls;
};

}  // namespace framerpc

#endif  // FRAMERPC_CHANNEL_OPTIONS_H_
