// EventLoop, one of the server's I/O threads (ServerOptions::num_loops).
// It polls its connections and its wakeup fd, and the first loop also the
// listeners (through its Acceptor); accepts, handing each new connection to
// the loops in turn (itself included); reads and decodes requests and
// hands them to the WorkerPool (whose workers send their own responses, see
// ConnectionOutput); writes what the workers could not; enforces the
// ServerOptions limits (max_connections counted over all loops); and
// carries out Shutdown for its connections. A connection stays on the
// loop that adopted it.
//
// One iteration of Run(), each step one call there:
//   1. Stop check (CheckStop). A new stop request closes the listeners
//      (unlinking Unix socket files), stops reading, and answers requests
//      already buffered UNAVAILABLE. While stopping, the loop ends once no
//      call is in flight and every open connection's output is sent, or
//      when the grace deadline passes: calls still queued are then answered
//      UNAVAILABLE (one last non-blocking send) and calls still running are
//      abandoned (their results are dropped).
//   2. The poller's wait (Poll: epoll_wait or poll), until the nearest
//      of: the next timer scan (at most 1 s away), the grace deadline, the
//      end of an accept pause, and,
//      while calls wait behind busy workers, the next deferred-task check
//      (1 ms); without waiting when finished calls are already queued. Only
//      while the loop is in poll, and only when it has to act, do workers
//      write the wakeup fd (CompletionQueue).
//   3. Each ready descriptor, if still registered (HandleReadyEvents): the
//      wakeup fd is drained and the connections other loops handed over
//      are adopted; a listener accepts (Acceptor, at most 64 connections
//      per readiness, refusing those over max_connections); a
//      connection reads before it writes (reading decodes every whole frame
//      and dispatches it), then writes what the read produced if it is not
//      already waiting for POLLOUT.
//   4. The finished-call queue (HandleCompletions): each finished call is
//      uncounted on its connection (ignored if the connection is gone);
//      then each connection touched is closed if a worker saw its socket
//      fail, otherwise written if a worker left output behind, and its
//      requests held back by the per-connection limits are dispatched.
//   5. The deferred-task check (CheckDeferred): while calls are queued
//      behind busy workers, workers are woken for those queued too long,
//      in case the busy ones are blocked in their handlers (WorkerPool).
//   6. Timers (RunTimers): an accept pause ends; idle connections and
//      expired lingering ones are closed.
//   7. Connections closed during the iteration are destroyed (their fds
//      closed) only now, so no descriptor number is reused within one
//      iteration and "still registered" is a sound check.
//
// A connection reads only while it is open and under both per-connection
// limits (max_calls_per_connection, max_pending_output_bytes); otherwise
// POLLIN is off (backpressure). POLLOUT is on only while output is pending.
//
// Owns the poller, the Acceptor (and with it the listeners handed in, if
// any) and every connection. Borrows the registry, worker pool, completion
// queue, wakeup fd, group state and peer loops, which must outlive it.
// Run() is for the loop thread alone; RequestStop() and HandOver() are
// thread-safe.
#ifndef FRAMERPC_SERVER_EVENT_LOOP_H_
#define FRAMERPC_SERVER_EVENT_LOOP_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/server_options.h"
#include "server/acceptor.h"
#include "server/call.h"
#include "server/completion_queue.h"
#include "server/connection.h"
#include "server/listener.h"
#include "server/loop_group_state.h"
#include "server/poller.h"
#include "server/request_intake.h"
#include "server/service_registry.h"
#include "server/wakeup_fd.h"
#include "server/worker_pool.h"

namespace framerpc {
namespace internal {

class EventLoop {
 public:
  // `poller` is MakePoller(options.poller)'s, empty.
  EventLoop(const ServerOptions& options, const ServiceRegistry* registry,
            WorkerPool* workers, CompletionQueue* completions, WakeupFd* wakeup,
            LoopGroupState* group, std::unique_ptr<Poller> poller,
            std::vector<std::unique_ptr<Listener>> listeners);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  // Serves until a stop request has been carried out (see above), then
  // closes every descriptor it owns and returns. Call once, on the thread
  // that is to be the loop thread.
  void Run();

  // Asks Run() to stop, letting calls in flight finish until `deadline`.
  // A later request can bring the deadline forward, never push it back.
  void RequestStop(absl::Time deadline);

  // The loops this one's listeners spread accepted connections over, in
  // turn (this one among them). Call before Run(); without it, a loop
  // keeps what it accepts.
  void set_accept_targets(std::vector<EventLoop*> loops) {
    accept_targets_ = std::move(loops);
  }
  // Gives this loop an accepted socket to serve (already counted in the
  // group's open connections). From any thread; a loop that has stopped
  // serving closes it.
  void HandOver(AcceptedSocket socket);

 private:
  void AssertInLoopThread() const;

  // Step 1; true once the loop should end.
  bool CheckStop(absl::Time now);
  void BeginStop(absl::Time now);
  bool AllOutputSent() const;
  // Step 2: fills ready_.
  void Poll(absl::Time now);
  absl::Duration PollTimeout(absl::Time now) const;
  // Step 3: HandleEvent for each of ready_.
  void HandleReadyEvents(absl::Time now);
  void HandleEvent(int fd, short revents, absl::Time now);
  // Sends a socket the Acceptor took to the next accept target.
  void Distribute(AcceptedSocket socket, absl::Time now);
  // Adopts the sockets handed over by other loops.
  void AdoptHandedOver(absl::Time now);
  // Makes an accepted socket a Connection, registered for POLLIN.
  void Adopt(AcceptedSocket socket, absl::Time now);
  void HandleConnectionEvent(Connection* conn, short revents, absl::Time now);
  // Each returns false when it closed `conn`.
  bool HandleReadable(Connection* conn);
  bool Flush(Connection* conn, absl::Time now);
  // Decodes and dispatches the whole frames in conn's input, as far as the
  // limits allow (all of them, answered UNAVAILABLE, while stopping), with
  // ProcessRequests (request_intake.h). Returns whether it consumed any.
  bool ProcessInput(Connection* conn, absl::Time now);
  // After anything happened to conn: dispatch the frames its limits allow,
  // write if output is pending and POLLOUT is not already awaited, close it
  // if finished, and set its poll events.
  void Settle(Connection* conn, absl::Time now);
  void UpdateInterest(Connection* conn);
  // Step 4.
  void HandleCompletions(absl::Time now);
  // Step 5.
  void CheckDeferred();
  // Step 6.
  void RunTimers(absl::Time now);
  // Unregisters `conn` and moves it to closed_ (destroyed in step 7).
  void Close(Connection* conn);
  void CloseAll();

  const ServerOptions options_;
  const ServiceRegistry& registry_;
  WorkerPool* const workers_;
  CompletionQueue* const completions_;
  WakeupFd* const wakeup_;
  LoopGroupState* const group_;
  std::unique_ptr<Poller> poller_;
  Acceptor acceptor_;  // after poller_, which it uses

  // Connections by descriptor (owning) and by id (for results).
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<uint64_t, Connection*> connections_by_id_;
  std::vector<std::unique_ptr<Connection>> closed_;
  std::vector<EventLoop*> accept_targets_;
  size_t next_accept_target_ = 0;
  // Calls handed to workers whose results have not come back, over all
  // connections (closed ones included).
  int64_t calls_in_flight_ = 0;

  // Scratch vectors, kept to reuse their storage.
  std::vector<PollEvent> ready_;
  std::vector<uint64_t> finished_;  // connection ids
  std::vector<Connection*> touched_;
  IntakeCache intake_cache_;

  absl::Time next_timer_scan_ = absl::InfinitePast();
  bool stopping_ = false;
  absl::Time stop_deadline_ = absl::InfiniteFuture();
  std::thread::id loop_thread_;

  std::mutex mu_;
  // Sockets other loops accepted for this one, until the wakeup is seen.
  std::vector<AcceptedSocket> handed_over_ ABSL_GUARDED_BY(mu_);
  // Set once Run() stopped adopting: HandOver closes at once.
  bool closed_to_handovers_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time requested_stop_deadline_ ABSL_GUARDED_BY(mu_) =
      absl::InfiniteFuture();
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_EVENT_LOOP_H_
