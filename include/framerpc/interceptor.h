// Interceptors: objects that see every call of a Server or a Channel before
// it runs and after it ends, for what applies to all methods alike:
// authentication, access logs, rate limits, tracing (docs/api.md §8).
//
// Installed as ordered chains, ServerOptions::interceptors and
// ChannelOptions::interceptors. Before a call, each BeforeCall runs in the
// chain's order; one that returns a non-OK status ends the call with that
// status, code and message intact (as a handler's would be), and the rest of
// the chain, the handler (server) or the network (client) never see it.
// After the call, AfterCall runs for every interceptor whose BeforeCall was
// called, the one that rejected included, in reverse order (a stack), with
// the call's final status, duration and sizes (CallSummary). An
// interceptor that only observes overrides AfterCall; one that only checks
// overrides BeforeCall; the defaults do nothing.
//
// Ownership: the options hold each interceptor by shared_ptr, so one object
// may serve several servers and channels; it lives as long as the last of
// them. The context or call info passed in is borrowed for that one
// invocation only: keep copies of what you need, never the reference.
//
// Thread-safety: one interceptor object serves all calls of its server or
// channel, and is called concurrently from many threads (the server's loops
// and workers, or every thread that calls through the channel). Its methods
// must be thread-safe, and should be quick: they run on the call's path
// (a server interceptor on the thread that runs the handler, possibly a
// poll loop). They must not throw: on the server, a BeforeCall that throws
// answers the call INTERNAL (as a throwing handler does) and a throwing
// AfterCall is ignored; on the client an exception reaches the caller.
//
// Cost: with no interceptors installed a call pays one empty check on each
// side, no allocation and no virtual call.
#ifndef FRAMERPC_INTERCEPTOR_H_
#define FRAMERPC_INTERCEPTOR_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/client_context.h"
#include "framerpc/metadata.h"
#include "framerpc/server_context.h"

namespace framerpc {

// How a call ended, for AfterCall. A plain value.
struct CallSummary {
  // The final status the caller gets (server: the one sent back; client:
  // the one Channel::Call returns), including a rejection by an
  // interceptor.
  absl::Status status;
  // Server: from when the server read the request off the connection to
  // when the handler returned (or the call was rejected): time queued for a
  // thread included, sending the response not. Client: the whole
  // Channel::Call, from its start to its return, resends and connecting
  // included.
  absl::Duration duration = absl::ZeroDuration();
  // The serialized request and response messages, in bytes (framing and
  // metadata not counted). response_bytes is 0 unless the status is OK.
  size_t request_bytes = 0;
  size_t response_bytes = 0;
};

// Sees each call a Server runs (ServerOptions::interceptors).
//
// Which calls: those that reach a handler's turn, for every registered
// service, framerpc's own health and reflection services included (a
// check that rejects callers should let "framerpc.health.Health/Check"
// through if channels use ChannelOptions::health_check). Calls the server
// answers without choosing or starting a handler are not seen: an unknown
// service or method (UNIMPLEMENTED), metadata over the limits
// (RESOURCE_EXHAUSTED), a call that arrives while the server stops or the
// connection drains (UNAVAILABLE), one cancelled or past its deadline
// before its turn came (CANCELLED, DEADLINE_EXCEEDED), and the protocol's
// own Ping and Cancel requests.
class ServerInterceptor {
 public:
  virtual ~ServerInterceptor() = default;

  // Runs before the handler, on the thread that will run it, with the
  // call's method(), peer(), metadata() and deadline(). May add request
  // metadata for the handler (ServerContext::AddRequestMetadata) and
  // response metadata, sent back whatever the outcome
  // (ServerContext::AddResponseMetadata). OK lets the call go on to the
  // next interceptor, then the handler; any other status answers the call
  // with it, and neither later interceptors nor the handler run.
  virtual absl::Status BeforeCall(ServerContext& context) {
    (void)context;
    return absl::OkStatus();
  }

  // Runs once the call's outcome is decided, before its response is sent.
  // `context` is the one BeforeCall and the handler saw, its response
  // metadata complete.
  virtual void AfterCall(const ServerContext& context,
                         const CallSummary& summary) {
    (void)context;
    (void)summary;
  }
};

// What a ClientInterceptor knows about one call, and the one thing it may
// change: the metadata sent with it.
//
// Made by the Channel for each call and borrowed by its interceptors for
// that call only; public so that tests can make one. Not thread-safe
// (one call's interceptors run one at a time, on the caller's thread).
class ClientCallInfo {
 public:
  // `context` is borrowed for the life of this object; its metadata is
  // copied as the metadata to send.
  ClientCallInfo(absl::string_view method, absl::string_view target,
                 absl::Time deadline, const ClientContext& context);
  ClientCallInfo(const ClientCallInfo&) = delete;
  ClientCallInfo& operator=(const ClientCallInfo&) = delete;

  // The full method name, "package.Service/Method".
  absl::string_view method() const { return method_; }
  // The Channel's target, as it was created with.
  absl::string_view target() const { return target_; }
  // When the call stops waiting: from the context's timeout or deadline,
  // else the Channel's default_timeout; absl::InfiniteFuture() if never.
  // Fixed when the call starts: a BeforeCall cannot move it.
  absl::Time deadline() const { return deadline_; }

  // The metadata that will be sent: the caller's (context().metadata()),
  // with whatever interceptors added.
  const Metadata& metadata() const { return metadata_; }
  // Adds (or replaces) a key sent with this call only, in BeforeCall. The
  // caller's ClientContext is left as it was, so a context reused for the
  // next call does not carry it.
  void AddMetadata(absl::string_view key, absl::string_view value);

  // The caller's context (an empty one when the caller passed none): in
  // AfterCall, response_metadata() holds what the server sent back.
  const ClientContext& context() const { return context_; }

 private:
  const absl::string_view method_;
  const absl::string_view target_;
  const absl::Time deadline_;
  const ClientContext& context_;
  Metadata metadata_;
};

// Sees each call made through a Channel (ChannelOptions::interceptors):
// every Channel::Call and so every stub call, with the whole call (its
// connecting, and any resend of a call the server never processed) as one
// call. The Channel's own requests (health checks, keepalive pings,
// cancellations) are not seen.
class ClientInterceptor {
 public:
  virtual ~ClientInterceptor() = default;

  // Runs on the caller's thread before anything is sent or connected (for
  // an asynchronous call, docs/api.md §5.4, on the Channel's
  // "framerpc-astart" thread). May add metadata
  // (ClientCallInfo::AddMetadata). OK lets the call go on; any other status
  // is what Channel::Call returns, intact, and nothing of the call reaches
  // the network.
  virtual absl::Status BeforeCall(ClientCallInfo& call) {
    (void)call;
    return absl::OkStatus();
  }

  // Runs on the caller's thread just before Channel::Call returns
  // summary.status (for an asynchronous call, on its done thread just
  // before `done` runs with it).
  virtual void AfterCall(const ClientCallInfo& call,
                         const CallSummary& summary) {
    (void)call;
    (void)summary;
  }
};

}  // namespace framerpc

#endif  // FRAMERPC_INTERCEPTOR_H_
