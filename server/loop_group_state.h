// LoopGroupState, what the server's poll loops share: the count of open
// connections, so that max_connections holds for the server rather than
// for each loop; the connection ids, unique server-wide because the
// worker pool takes turns between connections by id; and what the loops
// and the HandoffMonitor share; the gate of deferred answers.
//
// Owned by the ServerCore, borrowed by every loop. Thread-safe (atomics).
#ifndef FRAMERPC_SERVER_LOOP_GROUP_STATE_H_
#define FRAMERPC_SERVER_LOOP_GROUP_STATE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "server/deferred_call.h"

namespace framerpc {
namespace internal {

class ConnectionDirectory;

struct LoopGroupState {
  // Accepted sockets not yet closed, on their way to a loop included.
  std::atomic<size_t> open_connections{0};
  // Every connection ever accepted (a metric: Server::EnableMetrics).
  std::atomic<uint64_t> accepted_connections{0};
  std::atomic<uint64_t> next_connection_id{1};
  // The HandoffMonitor's doorbell (LoopOwnership): nonzero while it sleeps.
  std::atomic<uint32_t> monitor_asleep{0};
  // Handlers whose loop was handed to another thread and that are still
  // running: the loops send new calls to the workers while these are as
  // many as the workers.
  std::atomic<int> handed_off_handlers{0};
  // With metrics on (Server::EnableMetrics), where the loops list the
  // connections they adopt and close; set by Start before the loops run.
  ConnectionDirectory* directory = nullptr;
  // What deferred answers go through (ServerContext::Defer): closed by
  // Shutdown once the loops have stopped. Shared with the answers, which
  // may outlive the server.
  const std::shared_ptr<DeferredAnswerGate> answer_gate =
      std::make_shared<DeferredAnswerGate>();
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_LOOP_GROUP_STATE_H_
