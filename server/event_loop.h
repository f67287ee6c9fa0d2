// EventLoop, one of the server's I/O loops (ServerOptions::num_loops).
// It polls its connections and its wakeup fd, and the first loop also the
// listeners (through its Acceptor); accepts, handing each new connection to
// the loops in turn (itself included); reads and decodes requests and runs
// their handlers itself, on whichever thread holds the loop (see "Handlers
// on the loop" below); writes what the handlers' threads could not; enforces
// the ServerOptions limits (max_connections counted over all loops); and
// carries out Shutdown for its connections. A connection stays on the
// loop that adopted it.
//
// One iteration of Serve(), each step one call there:
//   1. Stop check (CheckStop). A new stop request closes the listeners
//      (unlinking Unix socket files), sends every connection the drain
//      notice (docs/protocol.md, section 7), and answers requests already
//      buffered, and every one read from then on, UNAVAILABLE with
//      not_processed. A connection closes gracefully once its calls are
//      answered, its output sent and its drain window over (SHUT_WR, then
//      lingering until the peer's end of stream). The loop ends once no
//      call is in flight and every connection is closed, or when the grace
//      deadline passes: calls still queued are then answered UNAVAILABLE,
//      not_processed (one last non-blocking send) and calls still running
//      are abandoned (their results are dropped).
//   2. The poller's wait (Poll: epoll_wait or poll), until the nearest
//      of: the next timer scan (at most 1 s away), the grace deadline, the
//      end of an accept pause, and,
//      while calls wait behind busy workers, the next deferred-task check
//      (1 ms); without waiting when finished calls are already queued or
//      calls wait to run here. Only while the loop is in poll, and only
//      when it has to act, do other threads write the wakeup fd
//      (CompletionQueue).
//   3. Each ready descriptor, if still registered (HandleReadyEvents): the
//      wakeup fd is drained and the connections other loops handed over
//      are adopted; a listener accepts (Acceptor, at most 64 connections
//      per readiness, refusing those over max_connections); a socket whose
//      TLS handshake is under way runs one handshake step, at most
//      TlsHandshakes::kMaxStepsPerIteration of them per iteration (the
//      rest are reported ready again next time), and becomes a connection
//      once its handshake is done; a
//      connection reads before it writes (reading decodes every whole frame
//      and queues its call to run here), then writes what the read produced
//      if it is not already waiting for POLLOUT. Then each TLS connection
//      whose SSL object still holds plaintext after its last read is read
//      again as if readable: the poller cannot see those bytes (and the
//      poll of step 2 does not wait while there are any).
//   4. The finished-call queue (HandleCompletions): each call finished on
//      another thread is uncounted on its connection (ignored if the
//      connection is gone); then each connection touched is closed if that
//      thread saw its socket fail, otherwise written if it left output
//      behind, and its requests held back by the per-connection limits are
//      decoded.
//   5. The calls queued here (RunLocalCalls), in the order decoded: each
//      handler runs on this thread, its response goes out at once, and its
//      connection is settled as in step 4. A call whose connection's output
//      has no room for another response waits until the peer has read
//      enough. Once the handlers have run for the hand-off bound, counted
//      from the first of them, the rest wait for the next iteration, so
//      that a long queue of short calls holds up the other connections no
//      longer than one handler that blocks; and if one handler is still
//      running at that bound, the loop leaves this thread (see below) and
//      Serve returns once that handler is answered.
//   6. The deferred-task check (CheckDeferred): while calls are queued
//      behind busy workers, workers are woken for those queued too long,
//      in case the busy ones are blocked in their handlers (WorkerPool).
//   7. Timers (RunTimers): an accept pause ends; TLS handshakes not done
//      within tls.handshake_timeout are closed; idle connections get the
//      drain notice, drained ones start lingering, and expired lingering
//      ones are closed.
//   8. Connections closed during the iteration are destroyed (their fds
//      closed) only now, so no descriptor number is reused within one
//      iteration and "still registered" is a sound check.
//
// Handlers on the loop. A call runs on the thread holding its loop, with no
// hand-off to another thread, so a short handler costs nothing beyond
// itself. Its start is marked in the loop's LoopOwnership; a HandoffMonitor
// that finds it still running after the hand-off bound (1 ms) takes the loop
// and grants it to another thread (LoopThreads), which serves the loop's
// other connections from the top of an iteration (the calls still queued
// here first) while the first thread finishes the handler, sends its
// response as a worker would (reporting it through the CompletionQueue),
// and returns from Serve. A thread therefore touches the loop's state only
// while it holds the loop; every step above runs before or after a handler,
// never around one, so nothing on the stack above a handler is loop state.
// While as many handed-off handlers are still running as the WorkerPool has
// workers, new calls go to the WorkerPool instead, so blocked handlers
// cannot multiply threads without bound. Services registered with
// inline_handlers run where they are decoded (step 3) and are never handed
// off.
//
// A connection reads only while it is open and under both per-connection
// limits (max_calls_per_connection, max_pending_output_bytes); otherwise
// POLLIN is off (backpressure). POLLOUT is on only while output is pending.
//
// Owns the poller, the Acceptor (and with it the listeners handed in, if
// any) and every connection. Borrows the registry, worker pool, completion
// queue, wakeup fd, group state and peer loops, which must outlive it.
// Serve() is for the thread holding the loop (LoopThreads); RequestStop()
// and HandOver() are thread-safe.
#ifndef FRAMERPC_SERVER_EVENT_LOOP_H_
#define FRAMERPC_SERVER_EVENT_LOOP_H_

#include <cstdint>
#include <deque>
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
#include "server/loop_ownership.h"
#include "server/loop_threads.h"
#include "server/poller.h"
#include "server/request_intake.h"
#include "server/service_registry.h"
#include "server/tls_handshakes.h"
#include "server/tls_transport.h"
#include "server/wakeup_fd.h"
#include "server/worker_pool.h"

namespace framerpc {
namespace internal {

class EventLoop final : public ServedLoop {
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
  // closes every descriptor it owns and returns kStopped; or, once a
  // handler it ran was handed off and has been answered, returns
  // kHandedOff (the loop goes on, on the thread it was granted to, which
  // calls Serve in turn). Never from two threads at once.
  Outcome Serve() override;

  // Where a HandoffMonitor watches this loop's handlers.
  LoopOwnership* ownership() { return &ownership_; }

  // Asks Serve() to stop, letting calls in flight finish until `deadline`.
  // A later request can bring the deadline forward, never push it back.
  void RequestStop(absl::Time deadline);

  // The loops this one's listeners spread accepted connections over, in
  // turn (this one among them). Call before serving; without it, a loop
  // keeps what it accepts.
  void set_accept_targets(std::vector<EventLoop*> loops) {
    accept_targets_ = std::move(loops);
  }
  // Gives this loop an accepted socket to serve (already counted in the
  // group's open connections). From any thread; a loop that has stopped
  // serving closes it.
  void HandOver(AcceptedSocket socket);
  // Serve TLS only (ServerOptions::tls): every socket this loop adopts
  // first completes a handshake with `credentials`' current context. Call
  // before serving.
  void set_tls_credentials(std::shared_ptr<ServerTlsCredentials> credentials);

 private:
  void AssertInLoopThread() const;

  // Step 1; true once the loop should end.
  bool CheckStop(absl::Time now);
  void BeginStop(absl::Time now);
  // Sends conn the drain notice, with the drain window that suits now
  // (shorter while stopping, if the grace is). Once per connection.
  void StartDraining(Connection* conn, absl::Time now);
  // When a connection starting to linger now is closed at the latest.
  absl::Time LingerDeadline(absl::Time now) const;
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
  // Makes an accepted socket a Connection, registered for POLLIN; with
  // TLS, starts its handshake first.
  void Adopt(AcceptedSocket socket, absl::Time now);
  void AdoptConnection(AcceptedSocket socket,
                       std::shared_ptr<TlsTransport> tls, absl::Time now);
  // One handshake step for `fd` (TlsHandshakes::Step).
  void HandleHandshakeEvent(int fd, absl::Time now);
  // Reads the TLS connections noted in buffered_input_ (step 3).
  void ReadBufferedInput(absl::Time now);
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
  // Step 5; false when the loop was handed off (this thread no longer
  // holds it and must return at once).
  bool RunLocalCalls(absl::Time now);
  // A call run here ends: its response goes out, it is uncounted and its
  // connection noted in touched_.
  struct LocalCall;
  void FinishLocalCall(const LocalCall& local, const CallResult& result,
                       absl::Time now);
  // Grace is over: calls queued here are answered UNAVAILABLE.
  void CancelLocalCalls(absl::Time now);
  // Whether `local`'s response may be produced now: its connection's
  // output is empty, or leaves room for it (as large as the largest so
  // far) under max_pending_output_bytes. REQUIRES: the connection is open.
  bool OutputHasRoom(const LocalCall& local) const;
  // Moves the calls waiting for output room that have it back to
  // local_calls_; answers those whose connection is gone without running
  // them (their answer could not be delivered).
  void RequeueWaitingCalls(absl::Time now);
  // Moves `local` to waiting_for_output_, noting it on its connection.
  void WaitForOutputRoom(LocalCall local);
  // Settles (or closes, if their socket failed) the connections in
  // touched_ once each.
  void SettleTouched(absl::Time now);
  // Step 6.
  void CheckDeferred();
  // Step 7.
  void RunTimers(absl::Time now);
  // conn's CloseDeadline passed: an idle connection starts draining, a
  // drained one lingering, a lingering one (or a draining one whose peer
  // does not read) is closed.
  void Expire(Connection* conn, absl::Time now);
  // Unregisters `conn` and moves it to closed_ (destroyed in step 8).
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
  // With TLS: the sockets whose handshake is under way (null: plaintext).
  std::unique_ptr<TlsHandshakes> handshakes_;  // after poller_ too

  // Connections by descriptor (owning) and by id (for results).
  std::unordered_map<int, std::unique_ptr<Connection>> connections_;
  std::unordered_map<uint64_t, Connection*> connections_by_id_;
  std::vector<std::unique_ptr<Connection>> closed_;
  // A decoded call waiting to run on this loop, and where its response
  // goes (the output outlives a connection closed meanwhile).
  struct LocalCall {
    std::unique_ptr<Call> call;
    std::shared_ptr<ConnectionOutput> output;
  };
  std::deque<LocalCall> local_calls_;
  // Calls whose connection's output was full when their turn came: they
  // run once the peer has read enough (the loop's admission, which counts
  // calls in flight times the largest response, knows no sizes before a
  // connection's first response, and a loop produces responses faster
  // than a peer reads them). They do not stop the idle clock: a peer that
  // reads nothing for idle_timeout is closed, and they end unanswered.
  std::deque<LocalCall> waiting_for_output_;
  // Handed-off handlers still running past which calls go to the workers.
  const int handoff_cap_;
  LoopOwnership ownership_;
  bool started_ = false;
  std::vector<EventLoop*> accept_targets_;
  size_t next_accept_target_ = 0;
  // Calls queued or running here, or handed to workers, whose results have
  // not come back, over all connections (closed ones included).
  int64_t calls_in_flight_ = 0;

  // Scratch vectors, kept to reuse their storage.
  std::vector<PollEvent> ready_;
  std::vector<uint64_t> finished_;  // connection ids
  std::vector<Connection*> touched_;
  // TLS connections, by id, whose SSL object held plaintext when their
  // interest was last set (Connection::HasBufferedInput).
  std::vector<uint64_t> buffered_input_;
  IntakeState intake_cache_;

  absl::Time next_timer_scan_ = absl::InfinitePast();
  bool stopping_ = false;
  absl::Time stop_deadline_ = absl::InfiniteFuture();
  std::thread::id loop_thread_;

  std::mutex mu_;
  // Sockets other loops accepted for this one, until the wakeup is seen.
  std::vector<AcceptedSocket> handed_over_ ABSL_GUARDED_BY(mu_);
  // Set once Serve() stopped adopting: HandOver closes at once.
  bool closed_to_handovers_ ABSL_GUARDED_BY(mu_) = false;
  bool stop_requested_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time requested_stop_deadline_ ABSL_GUARDED_BY(mu_) =
      absl::InfiniteFuture();
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_EVENT_LOOP_H_
