// ChannelCore, what a Channel is behind its public face: the
// target, the options, and its ClientConnections (one unless
// ChannelOptions::max_connections says more), each opened when a call needs
// it and again after it broke or began to drain. Calls run on a connection
// (see client_connection.h); the core finds or makes one for each call,
// turns the caller's ClientContext into a Deadline, and sends a call the
// server never processed again on another connection.
//
// Owned by its Channel. Thread-safe. Connections are shared with the calls
// running on them, so a broken one is freed by its last call, not here.
#ifndef FRAMERPC_CLIENT_CHANNEL_CORE_H_
#define FRAMERPC_CLIENT_CHANNEL_CORE_H_

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/call_cancellation.h"
#include "client/client_connection.h"
#include "client/connect_backoff.h"
#include "client/deadline.h"
#include "client/dialer.h"
#include "framerpc/channel_options.h"
#include "framerpc/client_context.h"
#include "google/protobuf/message.h"

namespace framerpc {
namespace internal {

class ChannelCore {
 public:
  // `dialer` opens sockets to `target`.
  ChannelCore(std::string target, std::unique_ptr<Dialer> dialer,
              ChannelOptions options);
  ChannelCore(const ChannelCore&) = delete;
  ChannelCore& operator=(const ChannelCore&) = delete;

  // Channel::Call.
  absl::Status Call(absl::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response,
                    ClientContext* context);

  const std::string& target() const { return target_; }

 private:
  // A connection for one call, counted as in use by it until Release (for
  // a pool of more than one): an open one nobody uses, else a new one while
  // the pool has room, else the least busy. Only one caller connects at a
  // time; callers that find no open connection meanwhile wait for it (until
  // their own deadline) and share its failure, unless it failed by running
  // into the connecting caller's deadline, in which case they try
  // themselves. Callers that find only busy ones share the least busy.
  // With `wait_for_ready`, a failure is not shared or returned: the caller
  // waits out the backoff and tries again until its deadline. Every wait
  // ends CANCELLED when `cancellation` says so (WakeWaiters wakes it).
  absl::StatusOr<std::shared_ptr<ClientConnection>> GetConnection(
      absl::string_view method, const Deadline& deadline,
      absl::Duration budget, bool wait_for_ready,
      const CallCancellation& cancellation);
  // A CallCancellation hook while a call looks for a connection: `arg` is
  // the ChannelCore; wakes the callers waiting in GetConnection.
  static void WakeWaiters(void* arg);
  // The call on `connection` is over.
  void Release(const ClientConnection* connection);

  struct Pooled {
    std::shared_ptr<ClientConnection> connection;
    int calls = 0;  // calls using it (counted only when pooling)
  };
  // The open connection the next call should use, counted; null when it
  // should connect instead: none open, or (if `may_grow`) all busy and room
  // for one more.
  std::shared_ptr<ClientConnection> PickLocked(bool may_grow)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string target_;
  const std::unique_ptr<Dialer> dialer_;
  const ChannelOptions options_;
  const size_t max_connections_;

  std::mutex mu_;
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
  // When callers that wait for the server may try again.
  ConnectBackoff backoff_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CHANNEL_CORE_H_
