#include "server/event_loop.h"

#include <errno.h>
#include <poll.h>

#include <algorithm>
#include <cassert>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/call_runner.h"
#include "server/connection_directory.h"
#include "server/request_intake.h"

namespace framerpc {
namespace internal {
namespace {

// Longest a failed or drained connection drains its input after its last
// response (at most idle_timeout, and while stopping at most the grace).
constexpr absl::Duration kMaxLinger = absl::Seconds(2);

// How long a draining connection keeps answering requests (UNAVAILABLE,
// not_processed) after the drain notice once nothing else is left to
// answer: long enough for requests the peer sent before it read the notice
// to arrive and be answered rather than met by the close (at most
// idle_timeout, and while stopping at most the grace).
constexpr absl::Duration kDrainWindow = absl::Milliseconds(250);

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

// How often the loop looks at calls queued behind busy workers; with
// WorkerPool::kFreshRun, bounds how long one waits behind a blocked handler.
constexpr absl::Duration kDeferredCheck = absl::Milliseconds(1);

// How often the timers are scanned: often enough that an idle connection
// is closed at most this late, never more than once a second.
absl::Duration TimerTick(absl::Duration idle_timeout) {
  return std::clamp(idle_timeout, absl::Milliseconds(10), absl::Seconds(1));
}

}  // namespace

EventLoop::EventLoop(const ServerOptions& options,
                     const ServiceRegistry* registry, WorkerPool* workers,
                     CompletionQueue* completions, WakeupFd* wakeup,
                     LoopGroupState* group, std::unique_ptr<Poller> poller,
                     std::vector<std::unique_ptr<Listener>> listeners)
    : options_(options),
      registry_(*registry),
      workers_(workers),
      completions_(completions),
      wakeup_(wakeup),
      group_(group),
      poller_(std::move(poller)),
      acceptor_(std::move(listeners),
                static_cast<size_t>(options.max_connections), poller_.get()),
      handoff_cap_(workers->num_threads()),
      ownership_(&group->monitor_asleep) {
  intake_cache_.completions = completions;
  intake_cache_.answer_gate = &group->answer_gate;
}

EventLoop::~EventLoop() = default;

void EventLoop::AssertInLoopThread() const {
  assert(std::this_thread::get_id() == loop_thread_ &&
         "EventLoop used off its loop thread");
}

void EventLoop::RequestStop(absl::Time deadline) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_requested_ || deadline < requested_stop_deadline_) {
      requested_stop_deadline_ = deadline;
    }
    stop_requested_ = true;
  }
  wakeup_->Notify();
}

void EventLoop::set_tls_credentials(
    std::shared_ptr<ServerTlsCredentials> credentials) {
  handshakes_ = std::make_unique<TlsHandshakes>(
      std::move(credentials), options_.tls.handshake_timeout, poller_.get());
}

void EventLoop::HandOver(AcceptedSocket socket) {
  bool taken = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!closed_to_handovers_) {
      handed_over_.push_back(std::move(socket));
      taken = true;
    }
  }
  if (taken) {
    wakeup_->Notify();
    return;
  }
  // This loop has finished: the socket is closed (by its UniqueFd, on
  // return) as a listener closed by Shutdown would have refused it.
  group_->open_connections.fetch_sub(1);
}

ServedLoop::Outcome EventLoop::Serve() {
  // Taken over from a thread whose handler blocked, or the first grant.
  ownership_.Resume();
  loop_thread_ = std::this_thread::get_id();
  if (!started_) {
    started_ = true;
    poller_->Add(wakeup_->fd(), POLLIN);
    acceptor_.Start();
    next_timer_scan_ = absl::Now() + TimerTick(options_.idle_timeout);
  }
  // The steps written down in event_loop.h, in order. A thread taking the
  // loop over starts at the top; the steps the previous one skipped after
  // its handler (6 to 8) come round again at once.
  while (true) {
    absl::Time now = absl::Now();
    if (CheckStop(now)) break;
    Poll(now);
    now = absl::Now();
    HandleReadyEvents(now);
    HandleCompletions(now);
    if (!RunLocalCalls(now)) return Outcome::kHandedOff;
    CheckDeferred();
    RunTimers(now);
    closed_.clear();
  }
  CloseAll();
  return Outcome::kStopped;
}

void EventLoop::Poll(absl::Time now) {
  // Workers write the wakeup fd only while the loop sleeps; results that
  // came while it was busy are taken without waiting.
  const absl::Duration timeout =
      completions_->PrepareToSleep() ? PollTimeout(now) : absl::ZeroDuration();
  // The wait fails only for lack of kernel memory (ENOMEM); the next
  // iteration simply tries again.
  poller_->Poll(timeout, &ready_).IgnoreError();
  completions_->Awake();
}

void EventLoop::CheckDeferred() {
  // Calls queued behind busy workers get a worker if those turn out to be
  // blocked (see WorkerPool).
  if (workers_->HasDeferred()) workers_->WakeIfStalled();
}

bool EventLoop::CheckStop(absl::Time now) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_requested_) return false;
    stop_deadline_ = requested_stop_deadline_;
  }
  if (!stopping_) BeginStop(now);
  if (calls_in_flight_ == 0 && connections_.empty()) return true;
  if (now < stop_deadline_) return false;
  // Grace is over: calls still queued are answered UNAVAILABLE, in one last
  // non-blocking write per connection; running ones are abandoned.
  workers_->CancelPending();
  CancelLocalCalls(now);
  HandleCompletions(now);
  return true;
}

void EventLoop::BeginStop(absl::Time now) {
  stopping_ = true;
  acceptor_.Close();
  // Mid-handshake, a client cannot be told the server is draining.
  if (handshakes_ != nullptr) {
    group_->open_connections.fetch_sub(handshakes_->CloseAll());
  }
  std::vector<Connection*> all;
  all.reserve(connections_.size());
  for (const auto& entry : connections_) all.push_back(entry.second.get());
  // The drain notice goes first, ahead of the answers to the requests
  // already buffered (UNAVAILABLE, not_processed).
  for (Connection* conn : all) {
    StartDraining(conn, now);
    Settle(conn, now);
  }
}

void EventLoop::StartDraining(Connection* conn, absl::Time now) {
  if (conn->state() != Connection::State::kOpen &&
      conn->state() != Connection::State::kReadClosed) {
    return;  // failing or lingering: it says nothing more
  }
  absl::Time window_end = now + std::min(options_.idle_timeout, kDrainWindow);
  if (stopping_) window_end = std::min(window_end, stop_deadline_);
  conn->StartDraining(window_end);
  // The timers look at it again when the window ends.
  next_timer_scan_ = std::min(next_timer_scan_, window_end);
}

absl::Time EventLoop::LingerDeadline(absl::Time now) const {
  const absl::Time deadline = now + std::min(options_.idle_timeout, kMaxLinger);
  return stopping_ ? std::min(deadline, stop_deadline_) : deadline;
}

absl::Duration EventLoop::PollTimeout(absl::Time now) const {
  absl::Time wake = std::min(next_timer_scan_, acceptor_.resume_time());
  if (stopping_) wake = std::min(wake, stop_deadline_);
  if (handshakes_ != nullptr) {
    wake = std::min(wake, handshakes_->next_deadline());
  }
  if (workers_->HasDeferred()) wake = std::min(wake, now + kDeferredCheck);
  if (!local_calls_.empty() || !buffered_input_.empty()) wake = now;
  return std::max(wake - now, absl::ZeroDuration());
}

void EventLoop::HandleReadyEvents(absl::Time now) {
  if (handshakes_ != nullptr) handshakes_->BeginIteration();
  for (const PollEvent& event : ready_) {
    HandleEvent(event.fd, event.revents, now);
  }
  if (!buffered_input_.empty()) ReadBufferedInput(now);
}

void EventLoop::ReadBufferedInput(absl::Time now) {
  // Those noted again while being read wait for the next iteration.
  std::vector<uint64_t> ids;
  ids.swap(buffered_input_);
  for (const uint64_t id : ids) {
    auto it = connections_by_id_.find(id);
    if (it == connections_by_id_.end()) continue;  // closed meanwhile
    Connection* conn = it->second;
    if ((conn->events() & POLLIN) && conn->HasBufferedInput()) {
      HandleConnectionEvent(conn, POLLIN, now);
    }
  }
}

void EventLoop::HandleHandshakeEvent(int fd, absl::Time now) {
  TlsHandshakes::Established established;
  switch (handshakes_->Step(fd, &established)) {
    case TlsHandshakes::Outcome::kWaiting:
    case TlsHandshakes::Outcome::kDeferred:
      return;
    case TlsHandshakes::Outcome::kFailed:
      group_->open_connections.fetch_sub(1);
      return;
    case TlsHandshakes::Outcome::kEstablished:
      AdoptConnection(std::move(established.socket),
                      std::move(established.transport), now);
      return;
  }
}

void EventLoop::HandleEvent(int fd, short revents, absl::Time now) {
  AssertInLoopThread();
  if (!poller_->Contains(fd)) return;  // closed earlier in this iteration
  if (fd == wakeup_->fd()) {
    wakeup_->Drain();  // the results themselves are taken in step 4
    AdoptHandedOver(now);
    return;
  }
  if (acceptor_.IsListener(fd)) {
    acceptor_.AcceptAll(fd, now, group_->open_connections.load(),
                        [this, now](AcceptedSocket socket) {
                          group_->open_connections.fetch_add(1);
                          group_->accepted_connections.fetch_add(
                              1, std::memory_order_relaxed);
                          Distribute(std::move(socket), now);
                        });
    return;
  }
  if (handshakes_ != nullptr && handshakes_->Contains(fd)) {
    HandleHandshakeEvent(fd, now);
    return;
  }
  auto it = connections_.find(fd);
  if (it != connections_.end())
    HandleConnectionEvent(it->second.get(), revents, now);
}

void EventLoop::Distribute(AcceptedSocket socket, absl::Time now) {
  EventLoop* target = this;
  if (!accept_targets_.empty()) {
    target = accept_targets_[next_accept_target_];
    next_accept_target_ = (next_accept_target_ + 1) % accept_targets_.size();
  }
  if (target == this) {
    Adopt(std::move(socket), now);
  } else {
    target->HandOver(std::move(socket));
  }
}

void EventLoop::AdoptHandedOver(absl::Time now) {
  std::vector<AcceptedSocket> sockets;
  {
    std::lock_guard<std::mutex> lock(mu_);
    sockets.swap(handed_over_);
  }
  // Adopted even while stopping: requests they already sent are answered
  // UNAVAILABLE like everyone else's, rather than lost with a reset.
  for (AcceptedSocket& socket : sockets) Adopt(std::move(socket), now);
}

void EventLoop::Adopt(AcceptedSocket socket, absl::Time now) {
  if (handshakes_ == nullptr) {
    AdoptConnection(std::move(socket), nullptr, now);
    return;
  }
  // A TLS socket accepted while stopping could not be told anything it
  // understands before its handshake: it is closed, as if refused.
  if (stopping_ || !handshakes_->Start(std::move(socket), now)) {
    group_->open_connections.fetch_sub(1);
  }
}

void EventLoop::AdoptConnection(AcceptedSocket socket,
                                std::shared_ptr<TlsTransport> tls,
                                absl::Time now) {
  const uint64_t id = group_->next_connection_id.fetch_add(1);
  auto conn = std::make_unique<Connection>(
      id, std::move(socket.fd), std::move(socket.peer), options_.max_frame_size,
      options_.max_pending_output_bytes, now, std::move(tls));
  conn->set_events(POLLIN);
  poller_->Add(conn->fd(), POLLIN);
  connections_by_id_.emplace(id, conn.get());
  if (group_->directory != nullptr) {
    group_->directory->Add(id, conn->peer(), now);
  }
  Connection* const adopted = conn.get();
  const int fd = conn->fd();
  connections_.emplace(fd, std::move(conn));
  // Accepted just before the listener closed: told at once.
  if (stopping_) {
    StartDraining(adopted, now);
    Settle(adopted, now);
  } else if (adopted->HasBufferedInput()) {
    // The handshake's last read brought a request along.
    buffered_input_.push_back(id);
  }
}

void EventLoop::HandleConnectionEvent(Connection* conn, short revents,
                                      absl::Time now) {
  if (revents & (POLLIN | POLLHUP | POLLERR)) {
    if (conn->events() & POLLIN) {
      // Reading also reports the end of stream and socket errors.
      if (!HandleReadable(conn)) return;
    } else if (revents & (POLLHUP | POLLERR)) {
      // Not reading (limits, or the peer already finished sending), and
      // the socket is dead both ways: nothing can be delivered any more.
      Close(conn);
      return;
    }
  }
  if ((revents & POLLOUT) && !Flush(conn, now)) return;
  Settle(conn, now);
}

bool EventLoop::HandleReadable(Connection* conn) {
  int error = 0;
  if (conn->state() == Connection::State::kLingering) {
    const ssize_t n = conn->DiscardInput(&error);
    if (n == 0 || (n < 0 && !WouldBlock(error))) {
      Close(conn);
      return false;
    }
    return true;
  }
  // The frames read are decoded and dispatched by Settle.
  const ssize_t n = conn->ReadInput(&error);
  if (n == 0) {
    // The peer has sent its last request; answer what it sent, then close
    // (Settle). A partial frame left in the input is never completed.
    conn->MarkReadClosed();
  } else if (n < 0 && !WouldBlock(error)) {
    Close(conn);  // reset by the peer, or another socket error
    return false;
  }
  return true;
}

bool EventLoop::Flush(Connection* conn, absl::Time now) {
  int error = 0;
  if (conn->SendOutput(&error, now) < 0) {
    Close(conn);  // EPIPE, ECONNRESET: the peer is gone
    return false;
  }
  return true;
}

bool EventLoop::ProcessInput(Connection* conn, absl::Time now) {
  AssertInLoopThread();
  const bool progressed = ProcessRequests(
      conn, registry_, options_, stopping_, now, &intake_cache_,
      [this, conn](std::unique_ptr<Call> call) {
        conn->AddCall();
        ++calls_in_flight_;
        if (group_->handed_off_handlers.load(std::memory_order_relaxed) <
            handoff_cap_) {
          local_calls_.push_back(
              LocalCall{std::move(call), conn->shared_output()});
          return;
        }
        // As many handlers as there are workers have blocked: the workers
        // take this one, and the loop stays free.
        workers_->Submit(MakeCallTask(std::move(call), conn->shared_output(),
                                      completions_, &group_->answer_gate),
                         conn->id());
      });
  calls_in_flight_ += intake_cache_.deferred_inline_calls;
  intake_cache_.deferred_inline_calls = 0;
  return progressed;
}

void EventLoop::Settle(Connection* conn, absl::Time now) {
  // Dispatching may fill the output past its limit, and writing it out may
  // lift the limit again: repeat while the output drains at once after
  // frames were consumed or bytes sent. A send alone counts too: the bytes
  // a worker left here may be all that holds back a request already read,
  // and no new input or POLLOUT would come to release it.
  bool again;
  do {
    const bool progressed = ProcessInput(conn, now);
    bool flushed = false;
    // Bytes a worker is sending are its own to finish (it tells the loop
    // if the socket fills).
    if (conn->output().NeedsLoopSend() && !(conn->events() & POLLOUT)) {
      if (!Flush(conn, now)) return;
      flushed = true;
    }
    again = (progressed || flushed) && conn->output().empty();
  } while (again);
  // The error response is out (whoever sent it), or a drained connection
  // has nothing left to answer: shut the write side, so that the peer
  // reads every response and then the end of the stream.
  if ((conn->state() == Connection::State::kFailing &&
       conn->output().empty()) ||
      (conn->state() == Connection::State::kOpen && conn->DrainFinished(now))) {
    const absl::Time deadline = LingerDeadline(now);
    conn->StartLingering(deadline);
    next_timer_scan_ = std::min(next_timer_scan_, deadline);
  }
  if (conn->state() == Connection::State::kReadClosed &&
      conn->calls_in_flight() == 0 && conn->output().empty()) {
    Close(conn);
    return;
  }
  UpdateInterest(conn);
}

void EventLoop::UpdateInterest(Connection* conn) {
  short events = 0;
  if (conn->WantsInput(options_, stopping_)) events |= POLLIN;
  if (conn->output().NeedsLoopSend()) events |= POLLOUT;
  if (events != conn->events()) {
    poller_->Update(conn->fd(), events);
    conn->set_events(events);
  }
  // TLS plaintext already decrypted: no readiness will announce it.
  if ((events & POLLIN) && conn->HasBufferedInput()) {
    buffered_input_.push_back(conn->id());
  }
  // Waiting on this connection's calls: hear of each as it finishes.
  conn->output().set_loop_waits(!(events & POLLIN) || stopping_);
}

void EventLoop::HandleCompletions(absl::Time now) {
  AssertInLoopThread();
  completions_->TakeAll(&finished_);
  if (finished_.empty()) return;
  touched_.clear();
  for (const uint64_t connection_id : finished_) {
    --calls_in_flight_;
    auto it = connections_by_id_.find(connection_id);
    if (it == connections_by_id_.end()) continue;  // closed meanwhile
    it->second->FinishCall(now);
    touched_.push_back(it->second);
  }
  finished_.clear();
  SettleTouched(now);
}

void EventLoop::SettleTouched(absl::Time now) {
  std::sort(touched_.begin(), touched_.end());
  touched_.erase(std::unique(touched_.begin(), touched_.end()), touched_.end());
  // A thread that filled the socket left the rest here; one that saw it
  // fail left the connection to be closed. Then the requests held back by
  // the limits may go.
  for (Connection* conn : touched_) {
    if (conn->output().failed()) {
      Close(conn);
    } else {
      Settle(conn, now);
    }
  }
  touched_.clear();
}

bool EventLoop::OutputHasRoom(const LocalCall& local) const {
  // An empty output always takes one response, however large.
  const ConnectionOutput& output = *local.output;
  return output.empty() || output.readable_bytes() + output.largest_response() <=
                               options_.max_pending_output_bytes;
}

void EventLoop::WaitForOutputRoom(LocalCall local) {
  auto it = connections_by_id_.find(local.call->connection_id);
  if (it != connections_by_id_.end()) it->second->AddCallWaitingForOutput();
  waiting_for_output_.push_back(std::move(local));
}

void EventLoop::RequeueWaitingCalls(absl::Time now) {
  // Only calls of closed connections end here, and those touch nothing
  // left to settle (FinishLocalCall).
  for (size_t n = waiting_for_output_.size(); n > 0; --n) {
    LocalCall local = std::move(waiting_for_output_.front());
    waiting_for_output_.pop_front();
    auto it = connections_by_id_.find(local.call->connection_id);
    if (it == connections_by_id_.end()) {
      FinishLocalCall(local,
                      CancelledCallResult(
                          *local.call, absl::UnavailableError(
                                           "connection closed before the call "
                                           "could run")),
                      now);
    } else if (OutputHasRoom(local)) {
      it->second->FinishWaitingForOutput();
      local_calls_.push_back(std::move(local));
    } else {
      waiting_for_output_.push_back(std::move(local));
    }
  }
}

bool EventLoop::RunLocalCalls(absl::Time now) {
  if (!waiting_for_output_.empty()) RequeueWaitingCalls(now);
  if (local_calls_.empty()) return true;
  touched_.clear();
  // The loop serves nobody else from here until the last of these calls
  // returns: the hand-off bound counts from now.
  const LoopOwnership::Clock::time_point since = LoopOwnership::Clock::now();
  // Only the calls queued so far: those that settling decodes run in the
  // next iteration, after a poll that does not wait. The same once the
  // run has lasted the hand-off bound: a monitor takes the loop only from
  // a handler it finds running, and short handlers whose responses take
  // longer to write than they took to make are seldom caught in one, so
  // a long queue of them would keep every other connection waiting.
  for (size_t n = local_calls_.size();
       n > 0 && LoopOwnership::Clock::now() - since <
                    LoopOwnership::kHandlerRunBound;
       --n) {
    LocalCall local = std::move(local_calls_.front());
    local_calls_.pop_front();
    if (connections_by_id_.count(local.call->connection_id) != 0 &&
        !OutputHasRoom(local)) {
      WaitForOutputRoom(std::move(local));
      continue;
    }
    const uint64_t token = ownership_.BeginHandler(since);
    const CallResult result =
        RunCall(std::move(*local.call),
                AnswerRoute{&local.output, completions_, &group_->answer_gate});
    if (!ownership_.EndHandler(token)) {
      // The loop is another thread's now: answer as a worker would, with
      // nothing but what this thread holds and the thread-safe queue.
      if (!result.deferred) {
        FinishCallOffLoop(result, local.output.get(), completions_);
      }
      group_->handed_off_handlers.fetch_sub(1);
      return false;
    }
    // A deferred call stays counted until its responder answers, which
    // comes back through the completion queue.
    if (!result.deferred) FinishLocalCall(local, result, absl::Now());
  }
  SettleTouched(absl::Now());
  return true;
}

void EventLoop::FinishLocalCall(const LocalCall& local,
                                const CallResult& result, absl::Time now) {
  // A send that fills or fails the socket is dealt with when the
  // connection is settled (or closed) with the others touched.
  if (local.output->AppendResult(result)) local.output->Send();
  --calls_in_flight_;
  auto it = connections_by_id_.find(result.connection_id);
  if (it == connections_by_id_.end()) return;  // closed meanwhile
  it->second->FinishCall(now);
  touched_.push_back(it->second);
}

void EventLoop::CancelLocalCalls(absl::Time now) {
  touched_.clear();
  // Their connections are all about to close: no need to uncount them.
  for (LocalCall& local : waiting_for_output_) {
    local_calls_.push_back(std::move(local));
  }
  waiting_for_output_.clear();
  while (!local_calls_.empty()) {
    const LocalCall local = std::move(local_calls_.front());
    local_calls_.pop_front();
    FinishLocalCall(
        local,
        CancelledCallResult(*local.call, ShutdownNotStartedError(*local.call)),
        now);
  }
  touched_.clear();  // the loop ends right after: nothing to settle
}

void EventLoop::RunTimers(absl::Time now) {
  acceptor_.ResumeIfDue(now);
  if (handshakes_ != nullptr) {
    group_->open_connections.fetch_sub(handshakes_->CloseExpired(now));
  }
  if (now < next_timer_scan_) return;
  absl::Time next = now + TimerTick(options_.idle_timeout);
  std::vector<Connection*> expired;
  for (const auto& entry : connections_) {
    const absl::Time deadline =
        entry.second->CloseDeadline(options_.idle_timeout);
    if (deadline <= now) {
      expired.push_back(entry.second.get());
    } else {
      next = std::min(next, deadline);
    }
  }
  // Set first: expiring may bring it forward (a drain window, a linger).
  next_timer_scan_ = next;
  for (Connection* conn : expired) Expire(conn, now);
}

void EventLoop::Expire(Connection* conn, absl::Time now) {
  const bool serving = conn->state() == Connection::State::kOpen ||
                       conn->state() == Connection::State::kReadClosed;
  if (serving && !conn->draining()) {
    // Idle: the peer is told before the connection closes (Settle shuts
    // its write side once the drain window is over).
    StartDraining(conn, now);
    Settle(conn, now);
  } else if (serving && conn->output().empty()) {
    Settle(conn, now);  // the drain window is over
  } else {
    // Lingering, or failing or draining with output the peer has left
    // unread for idle_timeout.
    Close(conn);
  }
}

void EventLoop::Close(Connection* conn) {
  // Handlers still running see IsCancelled(); queued calls do not start.
  conn->CancelAllCalls();
  group_->open_connections.fetch_sub(1);
  if (group_->directory != nullptr) group_->directory->Remove(conn->id());
  poller_->Remove(conn->fd());
  connections_by_id_.erase(conn->id());
  auto it = connections_.find(conn->fd());
  assert(it != connections_.end());
  closed_.push_back(std::move(it->second));
  connections_.erase(it);
}

void EventLoop::CloseAll() {
  std::vector<AcceptedSocket> late;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_to_handovers_ = true;
    late.swap(handed_over_);
  }
  group_->open_connections.fetch_sub(connections_.size() + late.size());
  late.clear();  // closes them
  if (handshakes_ != nullptr) {
    group_->open_connections.fetch_sub(handshakes_->CloseAll());
  }
  for (const auto& entry : connections_) {
    // Reading what the peer sent lets the close be a FIN, not a reset that
    // could destroy the last responses before the peer reads them.
    int error = 0;
    entry.second->DiscardInput(&error);
    entry.second->CancelAllCalls();
    if (group_->directory != nullptr) {
      group_->directory->Remove(entry.second->id());
    }
    poller_->Remove(entry.first);
  }
  connections_by_id_.clear();
  connections_.clear();
  closed_.clear();
  acceptor_.Close();
  poller_->Remove(wakeup_->fd());
}

}  // namespace internal
}  // namespace framerpc
