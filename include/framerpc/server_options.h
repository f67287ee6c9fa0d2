// ServerOptions: how many threads a Server runs, the limits that keep one
// bad or greedy peer from hurting the others, and the interceptors every
// call passes. A plain value (the interceptors shared); the defaults are
// meant to be safe for a server on a network.
#ifndef FRAMERPC_SERVER_OPTIONS_H_
#define FRAMERPC_SERVER_OPTIONS_H_

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "framerpc/interceptor.h"
#include "framerpc/tls_options.h"

namespace framerpc {

// The system call the server's loop waits on (ServerOptions::poller).
enum class PollerKind {
  // poll(2): the whole descriptor list goes to the kernel on every wait, so
  // each wait costs O(open connections), idle ones included; changing what
  // a connection waits for is free (no system call).
  kPoll,
  // epoll(7), level-triggered: the kernel keeps the list, so a wait costs
  // O(ready connections); each change of what a connection waits for (a
  // connection opening or closing, reading paused by a limit, output left
  // for the loop to write) costs one epoll_ctl system call, and the loop
  // holds one more descriptor.
  kEpoll,
};

struct ServerOptions {
  // How many handlers may block at once before calls wait. Handlers run on
  // their loop's thread; one that blocks past the hand-off bound (1 ms)
  // keeps its thread while another thread takes the loop over. While this
  // many handed-off handlers run, new calls go instead to a pool of this
  // many worker threads, where they queue once every worker is busy too.
  // So up to twice this many handlers block at once (plus one per loop,
  // during the bound), and the threads made for hand-offs stay about this
  // many. 0: one per core of the machine, but at least 4, so that a few
  // handlers blocked on I/O do not stall every other call on a small
  // machine.
  int num_workers = 0;
  // Poll loops: each accepts (the first), reads, decodes, runs handlers and
  // writes on its thread. 0: one per core of the machine. Each connection is
  // served by one loop for its whole life, assigned in turn as connections
  // are accepted, so a server's I/O grows with its cores the way a
  // thread-per-connection server's does, while one connection's calls stay
  // in order on one thread.
  int num_loops = 0;
  // Largest request body accepted. A bigger frame is answered (call id 0,
  // RESOURCE_EXHAUSTED) and its connection closed, without buffering it.
  size_t max_frame_size = size_t{16} << 20;
  // Open connections at most; a connection beyond it is accepted, sent one
  // call_id 0 RESOURCE_EXHAUSTED response and closed. 10,000, since with
  // epoll (the default poller) an idle connection costs no time, only
  // memory: about 8 KiB of buffers, and a descriptor. The process's
  // RLIMIT_NOFILE must allow that many (often 1024 by default: raise it, or
  // this limit is not reached); when accept(2) runs out of descriptors
  // (EMFILE), the server stops accepting for 100 ms and new connections
  // wait in the listen backlog meanwhile (docs/reliability.md, section 1).
  int max_connections = 10000;
  // A connection that makes no progress for this long is closed (checked
  // at least once a second, so up to that much later): first the drain
  // notice (docs/protocol.md, section 7), then a graceful close. Progress
  // is counted in whole messages: a complete request frame arriving, a
  // call finishing, or every queued response having been written; control
  // requests (Ping, Cancel) and their answers are no progress, so pings
  // alone do not keep a connection open. A connection with a call in
  // flight is never idle. Bytes of a frame still incomplete do not count:
  // a peer trickling one byte a second ("slow loris") is closed
  // idle_timeout after its last whole request, and so is a legitimate
  // frame (or the responses it is waiting to read) that takes longer than
  // idle_timeout to cross the network.
  absl::Duration idle_timeout = absl::Minutes(5);
  // Dead-peer detection by the kernel, on each accepted TCP connection (not
  // on Unix sockets), the same as a Channel sets on its side
  // (ChannelOptions::keepalive_time and keepalive_timeout): TCP_USER_TIMEOUT
  // of their sum, so responses the client host has not acknowledged for
  // that long reset the connection; and SO_KEEPALIVE with TCP_KEEPIDLE =
  // keepalive_time, TCP_KEEPINTVL = keepalive_timeout (whole seconds,
  // rounded up) and TCP_KEEPCNT = 1, so an idle connection, or one whose
  // handlers are still running, is reset when one probe after
  // keepalive_time of silence goes unanswered for keepalive_timeout. So a
  // client host that vanishes without a FIN or RST (powered off, cable
  // cut) is found dead within about keepalive_time + keepalive_timeout:
  // the connection is closed, its running handlers see
  // ServerContext::IsCancelled(), and its queued responses are dropped,
  // instead of holding the connection until idle_timeout (or forever,
  // while a call runs). The server sends no pings of its own; kernel probes
  // carry no framerpc bytes, so they never count as progress against
  // idle_timeout. Both must be positive.
  absl::Duration keepalive_time = absl::Seconds(30);
  absl::Duration keepalive_timeout = absl::Seconds(10);
  // Calls of one connection that may be queued or running at once; beyond
  // it the server stops reading that connection until some complete.
  int max_calls_per_connection = 128;
  // Bytes of responses queued for one connection that the peer has not read
  // yet; beyond it the server stops reading that connection. Once the
  // connection has had a response, calls start only while the responses of
  // those in flight, each as large as the largest so far, fit under it. A
  // response that still finds this much queued (the connection's first
  // calls, or responses that outgrew the earlier ones, while the peer is
  // not reading) is not queued: its call is answered RESOURCE_EXHAUSTED,
  // naming the sizes. So a peer that stops reading pins at most this plus
  // one response.
  size_t max_pending_output_bytes = 64 << 20;
  // Metadata one request may carry: entries on the wire (a repeated key
  // counts each time) and the sum of their key and value sizes. A request
  // over either is answered RESOURCE_EXHAUSTED, naming its sizes and these
  // limits, without running; other calls and the connection go on. The
  // metadata is counted on the poll loop while the frame is walked and is
  // never copied, so an over-limit request costs the loop a pass over its
  // bytes, not a map of them (500,000 entries once stalled every connection
  // for seconds). Metadata is for small routing and tracing values: gRPC
  // refuses more than 16 KiB of it, and 64 entries is far more than a
  // call needs while keeping a map of them cheap to build on the loop.
  size_t max_metadata_entries = 64;
  size_t max_metadata_bytes = size_t{16} << 10;
  // How the loop waits for its sockets (PollerKind above); either behaves
  // the same, only the cost differs. epoll, because idle connections then
  // cost a call nothing: with 1,000 of them open a call's median latency
  // was 30 us with epoll against 180 us with poll, with 10,000 of them 77
  // us against 2.2 ms, and with none the two are even (29-30 us). poll
  // remains for a kernel without epoll (docs/performance.md, "Poller: poll(2)
  // or epoll(7)").
  PollerKind poller = PollerKind::kEpoll;
  // Objects that see each call before its handler runs, in this order, and
  // after it ends, in reverse order; any of them may answer a call itself
  // with a status instead (framerpc/interceptor.h, which says which calls
  // they see). Shared: the server keeps these pointers until it is
  // destroyed. A null one fails Server::Start with INVALID_ARGUMENT.
  // Empty (the default): no cost to a call.
  std::vector<std::shared_ptr<ServerInterceptor>> interceptors;
  // "host:port" (or "[v6]:port"; port 0 picks a free one, see
  // Server::metrics_http_port()) for a minimal HTTP endpoint, on its own
  // socket and thread, never the RPC port, that answers GET /metrics with
  // the server's metrics in the Prometheus text format (docs/metrics.md).
  // Setting it counts the metrics as Server::EnableMetrics does (without
  // registering the admin service). Server::Start fails INVALID_ARGUMENT
  // for a malformed address, and with the bind error for one it cannot
  // listen on; Shutdown closes it. Empty (the default): no endpoint, no
  // socket.
  std::string metrics_http_address;
  // TLS on every listening address (framerpc/tls_options.h); off by
  // default.
  TlsServerOptions tls;
};

// ServiceOptions: how one registered service's handlers are run
// (Server::AddService). A plain value.
struct ServiceOptions {
  // Never hand this service's handlers off: run each on the poll loop
  // thread the moment its request is decoded, however long it takes.
  //
  // Every handler runs on its loop's thread anyway, and a loop that has been
  // in handlers for 1 ms is handed to another thread (ServerOptions::
  // num_workers), so by default a handler may block. What inline adds: the
  // request is parsed straight from the connection's input buffer, not
  // copied (by default only requests under 64 KiB are), and the responses of calls decoded in one read go out in one
  // send; what it costs: the loop is never handed off, so while an inline
  // handler runs, its loop serves nobody (with num_loops 1, the server),
  // and calls of one connection never overlap. Use it only for handlers
  // that finish in microseconds and never block (measurements:
  // docs/performance.md, "Handlers on the loop"). Everything else is
  // unchanged: deadlines (a call whose deadline passed is answered
  // DEADLINE_EXCEEDED without running), a throwing handler (INTERNAL), the
  // per-connection limits and Shutdown.
  bool inline_handlers = false;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_OPTIONS_H_
