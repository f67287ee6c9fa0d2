// Endpoint, one address of a Channel's target (a "sub-channel"): its
// connections (up to ChannelOptions::max_connections, each opened when a
// call needs it and again after it broke or began to drain), its state
// (idle, connecting, ready, failing with backoff), its calls in flight, and
// with ChannelOptions::health_check whether its server says it is serving.
//
// The ChannelCore picks an endpoint for each call (client/load_balancer.h)
// and asks it for a connection; the state and counts are atomics so that
// picking takes no endpoint's lock.
//
// Owned jointly by the ChannelCore (while the address is in the target's
// latest resolution) and by the calls running on it, so an endpoint that
// left the resolution is freed, with its connections, after its last call.
// Thread-safe.
#ifndef FRAMERPC_CLIENT_ENDPOINT_H_
#define FRAMERPC_CLIENT_ENDPOINT_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "client/call_cancellation.h"
#include "client/client_connection.h"
#include "client/client_tls.h"
#include "client/connect_backoff.h"
#include "client/deadline.h"
#include "framerpc/channel_options.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

class Endpoint {
 public:
  enum class State {
    kIdle,        // no open connection; the next call connects
    kConnecting,  // a connect is under way
    kReady,       // a connection takes calls
    kFailing,     // the last connect failed (see backoff_over())
  };
  enum class Health { kUnknown, kServing, kNotServing };

  // `target` is the Channel's, for messages; `on_change` runs (without
  // this endpoint's lock) after a connect attempt ends either way, so
  // callers waiting for any endpoint can look again.
  // `tls` (null for plaintext) is the Channel's TLS setup.
  Endpoint(const ResolvedAddress& address, std::string target,
           const ChannelOptions& options,
           std::shared_ptr<const ClientTls> tls,
           std::function<void()> on_change);
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  const ResolvedAddress& address() const { return address_; }
  // "127.0.0.2:7000", "[::1]:7000", "unix:/path": for messages.
  const std::string& name() const { return name_; }

  State state() const { return state_.load(std::memory_order_acquire); }
  // False while a failing endpoint waits out its backoff.
  bool backoff_over() const;
  // When a failing endpoint's backoff ends.
  Deadline backoff_end() const;
  // Whether its server said it is serving; kUnknown before the first
  // answer (and always without health_check).
  Health health() const { return health_.load(std::memory_order_acquire); }
  // The last connect failure or health answer that kept calls away, for
  // messages; OK when there is none.
  absl::Status last_error() const;

  // Calls the Channel has running on this endpoint, counted from the pick
  // to the end of the call (kLeastLoaded compares them).
  int calls_in_flight() const {
    return calls_in_flight_.load(std::memory_order_relaxed);
  }
  void CallStarted() { calls_in_flight_.fetch_add(1, std::memory_order_relaxed); }
  void CallEnded() { calls_in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  // A connection for one call, counted as in use by it until Release (for
  // a pool of more than one): an open one nobody uses, else a new one while
  // the pool has room, else the least busy. Only one caller connects at a
  // time; callers that find no open connection meanwhile wait for it (until
  // their own deadline) and share its failure, unless it failed by running
  // into the connecting caller's deadline, in which case they try
  // themselves. With health_check, a new connection carries no call before
  // its server said SERVING. DEADLINE_EXCEEDED and CANCELLED (every wait
  // ends when `cancellation` says so; WakeWaiters wakes it) come as the
  // call's final status ("call <method> to <target>: ..."). A failed
  // connect, or a server that is not serving, comes as UNAVAILABLE naming
  // this endpoint and the cause, for the caller to try another endpoint.
  absl::StatusOr<std::shared_ptr<ClientConnection>> GetConnection(
      absl::string_view method, const Deadline& deadline,
      absl::Duration budget, const CallCancellation& cancellation);
  // A CallCancellation hook while a call waits in GetConnection: `arg` is
  // the Endpoint.
  static void WakeWaiters(void* arg);
  // The call on `connection` is over.
  void Release(const ClientConnection* connection);

  // Opens a connection if none is open or opening, for the Channel's
  // background thread (so that calls find it ready). A failure leaves the
  // endpoint failing, as a call's failed connect does.
  void Connect();
  // True for the first caller since the last Connect began: the one that
  // should post a background Connect, so that a burst of calls posts one.
  bool ClaimBackgroundConnect();
  // Asks the server of an open connection whether it is serving, within
  // `timeout`, and records the answer. Without an open connection, one
  // that last said NOT_SERVING is connected again (and asked); others are
  // left alone.
  void CheckHealth(absl::Duration timeout);

 private:
  struct Pooled {
    std::shared_ptr<ClientConnection> connection;
    int calls = 0;  // calls using it (counted only when pooling)
  };
  // The open connection the next call should use, counted; null when it
  // should connect instead: none open, or (if `may_grow`) all busy and room
  // for one more.
  std::shared_ptr<ClientConnection> PickLocked(bool may_grow)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // An open connection that takes calls, not counted as used; null if none.
  std::shared_ptr<ClientConnection> OpenConnectionLocked() const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Dials the address, then asks about health when so configured. Runs
  // without the lock, by the one caller that set connecting_.
  absl::StatusOr<std::shared_ptr<ClientConnection>> Dial(
      const Deadline& connect_deadline);
  // Records the end of a connect attempt, under the lock.
  void ConnectEndedLocked(const absl::Status& status)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void UpdateStateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Records a health answer; OK when serving, else UNAVAILABLE saying so.
  absl::Status RecordHealth(const absl::StatusOr<bool>& serving);

  const ResolvedAddress address_;
  const std::string name_;
  const std::string target_;
  const ChannelOptions options_;
  const std::shared_ptr<const ClientTls> tls_;
  // The name the server's certificate must carry (with tls_).
  const std::string tls_host_;
  // The session the last TLS connection got, offered by the next.
  const std::shared_ptr<TlsSessionCache> tls_sessions_;
  const size_t max_connections_;
  const std::function<void()> on_change_;

  std::atomic<State> state_{State::kIdle};
  std::atomic<Health> health_{Health::kUnknown};
  std::atomic<int> calls_in_flight_{0};
  std::atomic<bool> background_connect_claimed_{false};

  mutable std::mutex mu_;
  // Signalled when connecting_ ends, and when a waiting call is cancelled.
  std::condition_variable connect_done_;
  // Open connections. Calls still running on a broken one keep their own
  // reference; it leaves the pool when next looked at.
  std::vector<Pooled> pool_ ABSL_GUARDED_BY(mu_);
  bool connecting_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t connect_attempts_ ABSL_GUARDED_BY(mu_) = 0;
  // The last attempt's failure to share with its waiters; OK when there is
  // none to share.
  absl::Status last_connect_error_ ABSL_GUARDED_BY(mu_);
  // Why calls stay away: the last failure, or a NOT_SERVING answer.
  absl::Status last_error_ ABSL_GUARDED_BY(mu_);
  ConnectBackoff backoff_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_ENDPOINT_H_
