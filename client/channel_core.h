// ChannelCore, what a Channel is behind its public face: the target, the
// options, and one Endpoint per address the target names (client/
// endpoint.h), each with its own connections.
//
// The first call finds the addresses (on its own thread: the only lookup a
// caller ever waits for); later lookups run on the ChannelUpkeep thread,
// every dns_refresh_interval for a target that names hosts and soon after
// a connection failed. An address that leaves the answer leaves the list
// (its endpoint lives on with the calls still running on it, then closes);
// a lookup that fails keeps the list, and failed calls say so.
//
// Each call picks an endpoint (client/load_balancer.h) among the
// candidates: not waiting out a failed connect's backoff, not reporting
// NOT_SERVING. Except under kPickFirst, an endpoint with no open connection
// is connected in the background while others are ready, and the call goes
// to a ready one. A connect that fails sends the call to another
// candidate; with none left the call fails UNAVAILABLE naming each
// endpoint's failure, or, with wait_for_ready, waits for one to come back.
// A call the server never processed is sent again the same way.
//
// Asynchronous calls (CallAsync) take the same steps without a thread of
// their own: the start (interceptors' BeforeCall, lookup, connect, picking
// the route) runs on the "framerpc-astart" thread, since any of it may
// block; the call then waits in its connection's call table, read for by
// whichever thread reads there (a synchronous caller, or the AsyncDriver);
// its completion, resend and done callback run on the "framerpc-done"
// pool (kDoneThreads threads). All three start with the first
// asynchronous call.
//
// Owned by its Channel. Thread-safe.
#ifndef FRAMERPC_CLIENT_CHANNEL_CORE_H_
#define FRAMERPC_CLIENT_CHANNEL_CORE_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/address_finder.h"
#include "client/async_driver.h"
#include "client/callback_pool.h"
#include "client/call_cancellation.h"
#include "client/channel_metrics.h"
#include "client/channel_upkeep.h"
#include "client/client_connection.h"
#include "client/client_tls.h"
#include "client/connect_backoff.h"
#include "client/deadline.h"
#include "client/endpoint.h"
#include "client/load_balancer.h"
#include "framerpc/channel_options.h"
#include "framerpc/client_context.h"
#include "framerpc/interceptor.h"
#include "google/protobuf/message.h"

namespace framerpc {
namespace internal {

class ChannelCore {
 public:
  // `finder` finds the addresses of `target`.
  // `tls` is null for plaintext.
  ChannelCore(std::string target, std::unique_ptr<AddressFinder> finder,
              ChannelOptions options,
              std::shared_ptr<const ClientTls> tls = nullptr);
  ~ChannelCore();
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  // Channel::Call: through the interceptors when there are any
  // (ChannelOptions::interceptors), with one check when there are none.
  absl::Status Call(absl::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response,
                    ClientContext* context);

  using Done = absl::AnyInvocable<void(absl::Status) &&>;
  // Channel::Call with a done callback: returns at once; `done` runs once
  // on a "framerpc-done" thread with the outcome Call would have returned.
  // `keep_alive` (the Channel) is held until then; `request`, `response`
  // and `context` are borrowed until then.
  void CallAsync(std::shared_ptr<const void> keep_alive,
                 absl::string_view method,
                 const google::protobuf::Message& request,
                 google::protobuf::Message* response, ClientContext* context,
                 Done done);

  const std::string& target() const { return target_; }

  // Channel::EnableMetrics: counting from now on (idempotent).
  void EnableMetrics();
  // Channel::MetricsText: empty until EnableMetrics.
  std::string MetricsText() const;

  // The threads that run done callbacks: a done that blocks holds up the
  // others only when all of these are blocked.
  static constexpr int kDoneThreads = 2;

  // How often a health-checking channel asks each endpoint.
  static constexpr absl::Duration kHealthCheckInterval =
      absl::Milliseconds(250);

 private:
  // One asynchronous call, on the heap from CallAsync until its done ran
  // (client/channel_core_async.cc).
  struct AsyncCall;
  // Its steps: the start of each attempt (on the start thread), the end of
  // an attempt on its connection (PendingCall::on_finished, then on the
  // done pool), and the end of the call (on the done pool).
  void StartAsync(AsyncCall* call);
  // Hands StartAsync to the start thread.
  void PostStart(AsyncCall* call);
  static void AsyncAttemptFinished(PendingCall* slot);
  void EndAsyncAttempt(AsyncCall* call);
  void FailAsync(AsyncCall* call, const absl::Status& status);
  void CompleteAsync(AsyncCall* call, absl::Status status);
  // The async machinery, made on first use.
  void StartAsyncMachineryLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Call, its duration counted under `counted` (null: metrics off) by the
  // caller; the call started at `start`.
  absl::Status CallFrom(absl::Time start, MethodMetrics* counted,
                        absl::string_view method,
                        const google::protobuf::Message& request,
                        google::protobuf::Message* response,
                        ClientContext* context);
  // The counters of `method`, or null while metrics are off: the one check
  // a call pays for them then.
  MethodMetrics* CountedAs(absl::string_view method) const {
    ChannelMetrics* const metrics = metrics_.load(std::memory_order_acquire);
    return metrics == nullptr ? nullptr : metrics->ForMethod(method);
  }

  // The interceptors' BeforeCalls in order, until one fails (its status is
  // returned); `*called` counts those whose AfterCall is due.
  absl::Status BeforeCalls(ClientCallInfo& info, size_t* called) const;
  // The AfterCalls due, last first, for a call started at `start` that
  // ended with `status`.
  void AfterCalls(const ClientCallInfo& info, size_t called,
                  const absl::Status& status, absl::Time start,
                  const google::protobuf::Message& request,
                  const google::protobuf::Message& response) const;

  // When a call started at `start` stops waiting: the context's deadline,
  // else the channel's default_timeout.
  absl::Time CallEnd(const ClientContext* context, absl::Time start) const;
  // Call with interceptors: their BeforeCalls in order (one that fails
  // ends the call), Send with the metadata they leave, their AfterCalls
  // last first. A caller's null context is replaced by an empty one. The
  // call started at `start`, with `budget` until `deadline`.
  absl::Status CallIntercepted(absl::string_view method,
                               const google::protobuf::Message& request,
                               google::protobuf::Message* response,
                               ClientContext* context, absl::Time start,
                               absl::Duration budget, const Deadline& deadline,
                               MethodMetrics* counted);
  // The call itself, within `deadline` (`budget` from its start, for
  // messages): picks an endpoint, sends, waits, and sends again a call the
  // server never processed. `metadata` replaces the context's when not null
  // (borrowed for the call). Each send to a connection is an attempt
  // counted under `counted` (null: metrics off).
  absl::Status Send(absl::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response,
                    ClientContext* context, absl::Duration budget,
                    const Deadline& deadline, const Metadata* metadata,
                    MethodMetrics* counted);
  // The endpoint and connection a call runs on.
  struct Route {
    Endpoint* endpoint;
    // Keeps an endpoint that may leave the list alive for the call; null
    // for the sole endpoint of a fixed target, which lives as long as this.
    std::shared_ptr<Endpoint> keep_alive;
    std::shared_ptr<ClientConnection> connection;
  };
  // The call on `route` is over: the endpoint's counts, and a fresh lookup
  // when its connection broke.
  void EndRoute(const Route& route);
  // Picks an endpoint and gets a connection from it, trying the other
  // candidates when a connect fails (see above). `avoid` (may be null) is
  // taken only when no other endpoint can take the call.
  absl::StatusOr<Route> FindRoute(absl::string_view method,
                                  const Deadline& deadline,
                                  absl::Duration budget, bool wait_for_ready,
                                  const Endpoint* avoid,
                                  CallCancellation& cancellation);
  // A connection from `endpoint` for a call counted on it (uncounted
  // again on failure), the cancellation hook pointed at the endpoint's
  // waits meanwhile.
  absl::StatusOr<std::shared_ptr<ClientConnection>> ConnectionFrom(
      Endpoint& endpoint, absl::string_view method, const Deadline& deadline,
      absl::Duration budget, CallCancellation& cancellation);
  // The endpoint the next call should go to, counted as in flight on it;
  // null when none of those not yet `tried` can take it now.
  std::shared_ptr<Endpoint> PickLocked(const std::vector<const Endpoint*>& tried)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Finds the addresses the first time, on the calling thread (others wait
  // for it and share its failure). OK once there are endpoints.
  absl::Status ResolveFirstLocked(std::unique_lock<std::mutex>& lock,
                                  absl::string_view method,
                                  const Deadline& deadline,
                                  absl::Duration budget,
                                  const CallCancellation& cancellation)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Makes the endpoint list match `addresses`: same order, endpoints kept
  // for addresses already known.
  void SetAddressesLocked(const std::vector<ResolvedAddress>& addresses)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The upkeep thread's lookup.
  void Refresh();
  // The upkeep thread's health round.
  void CheckHealth();
  // Starts the upkeep thread the first time it has work.
  ChannelUpkeep& UpkeepLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Endpoint::on_change and the cancellation hook: wakes the callers
  // waiting for an endpoint.
  void Changed();
  static void WakeWaiters(void* arg);
  // UNAVAILABLE for a call that found no endpoint to take it: the
  // `failures` of the endpoints it `tried`, each other endpoint's last
  // failure, and the lookup's if the last one failed.
  absl::Status NoEndpointLocked(absl::string_view method,
                                const std::vector<const Endpoint*>& tried,
                                const std::vector<std::string>& failures)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string target_;
  const std::unique_ptr<AddressFinder> finder_;
  const ChannelOptions options_;
  const std::shared_ptr<const ClientTls> tls_;

  // The one endpoint of a target that is never looked up again and named
  // one address, once found: calls take it without the lock while it is
  // ready. Points into endpoints_, which then never changes.
  std::atomic<Endpoint*> sole_endpoint_{nullptr};

  std::mutex mu_;
  // Signalled when an endpoint's connect ends, the list changes, the first
  // lookup ends, or a waiting call is cancelled.
  std::condition_variable changed_;
  std::vector<std::shared_ptr<Endpoint>> endpoints_ ABSL_GUARDED_BY(mu_);
  LoadBalancer balancer_ ABSL_GUARDED_BY(mu_);
  bool resolving_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t resolutions_ ABSL_GUARDED_BY(mu_) = 0;
  // The last lookup's failure; OK when it worked.
  absl::Status resolve_error_ ABSL_GUARDED_BY(mu_);
  // Spaces the first lookups of callers that wait for ready.
  ConnectBackoff resolve_backoff_ ABSL_GUARDED_BY(mu_);
  // Made when first needed; destroyed (joined) before the endpoints.
  std::unique_ptr<ChannelUpkeep> upkeep_ ABSL_GUARDED_BY(mu_);
  // Asynchronous calls' threads, made by the first one; set once under
  // mu_, then used without it.
  std::unique_ptr<CallbackPool> async_starts_;
  std::unique_ptr<AsyncDriver> async_driver_;
  std::unique_ptr<CallbackPool> async_done_;
  std::atomic<bool> async_started_{false};
  // Made by EnableMetrics under mu_, then read without it; never unset.
  std::unique_ptr<ChannelMetrics> owned_metrics_ ABSL_GUARDED_BY(mu_);
  std::atomic<ChannelMetrics*> metrics_{nullptr};
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CHANNEL_CORE_H_
