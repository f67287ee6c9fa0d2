// Server: serves registered Services over TCP (IPv4, IPv6) and Unix sockets.
//
// Poll loops (ServerOptions::num_loops, one per core by default) watch the
// listening and connected sockets: they accept, read and decode requests,
// and run each call's handler on the loop's own thread, with no hand-off to
// another thread, so a short handler costs nothing beyond itself. A handler
// may still block: once the loop has been in handlers for 1 ms, another
// thread takes the loop over and serves its other connections, while the
// first finishes the handler and sends its response itself. While as many
// handed-off handlers run as ServerOptions::num_workers, new calls go to a
// pool of that many workers instead. A service added with
// ServiceOptions::inline_handlers runs where it is decoded and is never
// handed off (its handlers must not block).
//
// Services are borrowed: each must outlive the server. Lifecycle: AddService
// and Listen (any number), then Start once, then Shutdown from any thread and
// Wait. Shutdown, Wait, port(), metrics_http_port() and MetricsText() are
// thread-safe; the rest must be called from one thread before Start.
#ifndef FRAMERPC_SERVER_H_
#define FRAMERPC_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/server_options.h"
#include "framerpc/service.h"
#include "framerpc/serving_status.h"

namespace framerpc {

namespace internal {
class ServerCore;
}  // namespace internal

class Server {
 public:
  explicit Server(ServerOptions options = ServerOptions());
  // Shuts down with no grace if still running, then waits.
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Registers `service` under its full name. Fails ALREADY_EXISTS when a
  // service of that name is registered, FAILED_PRECONDITION after Start.
  // `service_options` choose how its handlers run: on the loop, handed off
  // when they block (the default; a handler may block), or, with
  // inline_handlers, on the loop and never handed off (a handler must not
  // block: see ServiceOptions). Services with either setting may share a
  // server.
  absl::Status AddService(Service* service,
                          ServiceOptions service_options = ServiceOptions());

  // Registers framerpc.reflection.Reflection (proto/reflection.proto): it
  // lists the registered services and methods and returns the
  // FileDescriptorProtos defining them, for tools such as framerpc_cli.
  // Descriptors are found in the generated descriptor pool by service name,
  // so a service not built from protoc-generated code is listed without
  // one. A symbol that is not a proto full name, or is longer than 1024
  // bytes, is answered INVALID_ARGUMENT without a lookup (docs/reliability.md).
  // Calling it twice is harmless; FAILED_PRECONDITION after Start,
  // ALREADY_EXISTS when a service of that name is registered.
  absl::Status EnableReflection();

  // Registers framerpc.health.Health (proto/health.proto). Start makes ""
  // (the whole server) and every registered service SERVING unless set
  // otherwise before; Shutdown makes all NOT_SERVING before draining.
  // Check answers INVALID_ARGUMENT for a name that cannot be a service's
  // full name (as for reflection's symbols), so give SetServingStatus full
  // names. Errors as EnableReflection.
  absl::Status EnableHealthCheck();

  // Counts, from Start on, per method: calls started, and per final status
  // code their latency and request and response message sizes as
  // histograms; and connections open and accepted (docs/metrics.md has
  // the names, gRFC A66's, and the buckets). Methods no service registered
  // are counted together as "other". Also registers framerpc.admin.Admin
  // (proto/admin.proto: Stats and Connections, what `framerpc_cli stats`
  // reads), so one call makes a server observable. Every call is counted,
  // including those answered without a handler (unknown method,
  // rejected by an interceptor, past its deadline before it started,
  // refused while stopping). The counters are sharded per thread and take
  // no lock on a call's path; without this call nothing is counted.
  // Calling it twice is harmless; FAILED_PRECONDITION after Start
  // (counting cannot begin midway), ALREADY_EXISTS when a service named
  // framerpc.admin.Admin is registered.
  absl::Status EnableMetrics();

  // The metrics in the Prometheus text exposition format 0.0.4, as the
  // admin service and the HTTP endpoint serve them; empty unless metrics
  // are counted (EnableMetrics or ServerOptions::metrics_http_address) and
  // the server was started. Thread-safe.
  std::string MetricsText() const;

  // Appends what `source` returns, Prometheus text of the process's own,
  // to every MetricsText, /metrics answer and admin Stats reply, after
  // the server's families: a frontend's channels' metrics, say,
  // `[channel] { return channel->MetricsText(); }` (the shared_ptr keeps
  // the Channel alive). Its families must not reuse the server's names
  // nor each other's. Called, in the order added, on whichever thread
  // reads the metrics, so it must be thread-safe; nothing calls it while
  // nothing is counted (neither EnableMetrics nor metrics_http_address).
  // INVALID_ARGUMENT for an empty function; FAILED_PRECONDITION after
  // Start.
  absl::Status AddMetricsSource(std::function<std::string()> source);

  // The status the health service reports for `service` (a full name, ""
  // for the whole server). Thread-safe, at any time; ignored once Shutdown
  // has begun. kUnknownService forgets the name.
  void SetServingStatus(absl::string_view service, ServingStatus status);
  ServingStatus GetServingStatus(absl::string_view service) const;

  // Binds and listens on "host:port", "[v6]:port" or "unix:/path". Port 0
  // picks a free port (see port()). A stale Unix socket file is removed; a
  // path that exists and is not a socket, or a socket a live server accepts
  // on, is refused. Errors name the address and the cause ("bind
  // 127.0.0.1:80: Permission denied"). FAILED_PRECONDITION after Start.
  // Handlers see a Unix client's peer() as "unix:<this path>".
  absl::Status Listen(absl::string_view address);

  // The port of the first TCP listener (useful after Listen with port 0);
  // 0 when there is none.
  int port() const;

  // The port of the metrics HTTP endpoint (ServerOptions::
  // metrics_http_address; the chosen one for port 0) once Start has
  // succeeded; 0 when there is none. Thread-safe.
  int metrics_http_port() const;

  // Starts the loops and the workers; returns once serving. Fails
  // FAILED_PRECONDITION when called twice, after Shutdown, or before any
  // Listen; INVALID_ARGUMENT naming the field for unusable ServerOptions
  // (a malformed metrics_http_address included; one that cannot be bound
  // fails with the bind error);
  // RESOURCE_EXHAUSTED, saying how many threads could be made, when the
  // system cannot create a loop's thread or every worker thread (the server is
  // then stopped, its listeners closed).
  absl::Status Start();

  // Stops accepting (closing listeners, removing Unix socket files) and
  // first sends every connection the drain notice (docs/protocol.md,
  // section 7: send no new calls here); requests already received but not
  // dispatched, and every request read from then on, are answered
  // UNAVAILABLE, marked not processed. Calls queued or running may finish
  // for up to `grace`; a connection with nothing left to answer closes
  // gracefully. When the grace runs out, calls not yet started are answered
  // UNAVAILABLE, not processed, and every connection is closed (a call
  // still running then loses its response; its caller sees the connection
  // close). Returns once every handler has returned: a handler that never
  // returns blocks Shutdown.
  // Safe to call more than once and from any thread, but not from a
  // handler. A second call may shorten the grace, then waits like Wait().
  void Shutdown(absl::Duration grace = absl::ZeroDuration());

  // Blocks until Shutdown has finished. Returns at once if never started.
  void Wait();

 private:
  std::unique_ptr<internal::ServerCore> core_;
};

}  // namespace framerpc

#endif  // FRAMERPC_SERVER_H_
