// PendingCall, one caller's slot while its call is on a
// connection, and CallTable, the connection's slots keyed by call id.
//
// A PendingCall lives on the calling thread's stack for the whole call. It
// goes kSending (registered, request being written) -> kWaiting (request
// handed over) -> kDone, or via kClaimed (taken out of the table by the
// reading thread, which is parsing the response into it) -> kDone. A
// waiting call may be kPromoted: woken to take the reader or writer role,
// it goes back to kWaiting when it has looked. Whoever takes a slot out of
// the table owns finishing it; the caller returns only at kDone, so
// `response` and `context` stay valid while another thread fills them.
//
// The caller sleeps on `state` itself (a futex), so a waker changes the
// state and wakes in one step, without the connection's mutex, and the
// woken caller that finds kDone returns without taking the mutex either.
//
// An asynchronous call (Channel::Call with a done callback) has no thread
// to sleep on its slot: the slot is on the heap, `on_finished` is set, and
// whoever finishes it calls that instead of waking a thread (Finish). Such
// a slot is never picked to take a role (FindWaiting skips it); the
// connection's async driver reads for it and expires it at its `deadline`.
//
// CallTable is guarded by the owning ClientConnection's mutex, as is every
// change of a slot's state while it is in the table; `status` is written
// only by whoever took the slot out, before it stores kDone. Not
// thread-safe on their own.
#ifndef FRAMERPC_CLIENT_CALL_TABLE_H_
#define FRAMERPC_CLIENT_CALL_TABLE_H_

#include <atomic>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/deadline.h"
#include "framerpc/client_context.h"
#include "google/protobuf/message.h"

namespace framerpc {
namespace internal {

struct PendingCall {
  enum class State : uint32_t {
    kSending,
    kWaiting,
    kPromoted,
    kClaimed,
    kDone
  };

  PendingCall(absl::string_view method, google::protobuf::Message* response,
              ClientContext* context)
      : method(method),
        response(response),
        context(context),
        request_metadata(context != nullptr ? &context->metadata() : nullptr) {}
  PendingCall(const PendingCall&) = delete;
  PendingCall& operator=(const PendingCall&) = delete;

  // Set once at registration; read-only afterwards (no lock needed).
  uint64_t call_id = 0;
  // Borrowed for the call; read-only.
  const absl::string_view method;
  // Borrowed for the call; written only by the thread that took the slot out
  // of the table, never by two threads.
  google::protobuf::Message* const response;
  ClientContext* const context;  // may be null
  // The metadata sent with the request: the context's, unless client
  // interceptors changed it (then their copy, borrowed for the call). May
  // be null (none).
  const Metadata* request_metadata;

  std::atomic<State> state{State::kSending};
  absl::Status status;  // the call's outcome, once kDone
  // Set with `status` by whoever finished the call: the server never
  // processed it (it said so, or none of it was sent, or the server closed
  // the connection after announcing a drain), so it may be sent again.
  bool resend_safe = false;

  // Whether any byte of the request may have left, as the connection's
  // writers record it under its mutex while the call is registered: sent
  // directly by its own thread (`sent_directly`), or queued (`queued`) and
  // taken into a writer's batch since (the connection counts batches; see
  // ClientConnection::batches_taken_).
  bool sent_directly = false;
  bool queued = false;
  uint64_t queued_before_batch = 0;

  // Asynchronous calls only (null for a caller's thread): runs once the
  // slot is kDone, with `finished_arg`, on whichever thread finished it,
  // perhaps under the connection's mutex, so it must only hand the slot on
  // (post it) and never touch the connection. The slot may be freed as
  // soon as it is called.
  void (*on_finished)(PendingCall* call) = nullptr;
  void* finished_arg = nullptr;
  // Asynchronous calls only: when the driver fails the call
  // DEADLINE_EXCEEDED, and its whole timeout, for the message.
  Deadline deadline = Deadline::Infinite();
  absl::Duration budget = absl::InfiniteDuration();

  bool is_async() const { return on_finished != nullptr; }

  // Sleeps while `state` is `seen`: returns when another thread changed it
  // (and woke us), when `deadline` passes, or spuriously.
  void SleepWhile(State seen, const Deadline& deadline) const;
  // Stores `next` and wakes the caller if it sleeps. The caller may return
  // as soon as it sees kDone, so `call` may be gone once the store is made:
  // nothing here touches it afterwards (the wake only names the address).
  static void SetAndWake(PendingCall* call, State next);
  // Marks `call` kDone and tells its owner: wakes its thread, or runs
  // on_finished for an asynchronous call. `call` may be gone afterwards.
  static void Finish(PendingCall* call);
};

class CallTable {
 public:
  // REQUIRES: no slot with `call->call_id` is present.
  void Insert(PendingCall* call);
  // Removes and returns the slot for `call_id`; null when there is none (a
  // late answer to a call that gave up, or an id the server made up).
  PendingCall* Take(uint64_t call_id);
  // Removes `call` if present; true if it was.
  bool Remove(const PendingCall* call);
  // Removes and returns every slot.
  std::vector<PendingCall*> TakeAll();
  // A slot other than `except` whose caller's thread waits for its
  // response (kWaiting, not asynchronous), or null.
  PendingCall* FindWaiting(const PendingCall* except = nullptr) const;
  // Removes and returns the asynchronous slots, not being answered
  // (kWaiting), whose deadline has passed.
  std::vector<PendingCall*> TakeExpiredAsync();

  size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }
  // Asynchronous slots among size().
  size_t async_size() const { return async_calls_; }

 private:
  absl::flat_hash_map<uint64_t, PendingCall*> calls_;
  size_t async_calls_ = 0;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CALL_TABLE_H_
