// internal: PendingCall, one caller's slot while its call is on a
// connection, and CallTable, the connection's slots keyed by call id.
//
// A PendingCall lives on the calling thread's stack for the whole call. It
// goes kSending (registered, request being written) -> kWaiting (request
// sent) -> kDone, or via kClaimed (taken out of the table by the reading
// thread, which is parsing the response into it) -> kDone. Whoever takes a
// slot out of the table owns finishing it; the caller returns only at kDone,
// so `response` and `context` stay valid while another thread fills them.
//
// Both types are guarded by the owning ClientConnection's mutex: every field of a
// PendingCall except the ones marked otherwise, and every CallTable method,
// need that mutex held. Not thread-safe on their own.
#ifndef FRAMERPC_CLIENT_CALL_TABLE_H_
#define FRAMERPC_CLIENT_CALL_TABLE_H_

#include <condition_variable>
#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "rpc/client_context.h"

namespace framerpc {
namespace internal {

struct PendingCall {
  enum class State { kSending, kWaiting, kClaimed, kDone };

  PendingCall(absl::string_view method, google::protobuf::Message* response,
              ClientContext* context)
      : method(method), response(response), context(context) {}
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

  State state = State::kSending;
  absl::Status status;  // the call's outcome, once kDone
  // The caller waits here (with the connection's mutex) as a follower; the
  // reader notifies it on kDone and to hand it the reading role.
  std::condition_variable cv;
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
  // A slot whose caller waits for its response (kWaiting), or null.
  PendingCall* FindWaiting() const;

  size_t size() const { return calls_.size(); }
  bool empty() const { return calls_.empty(); }

 private:
  absl::flat_hash_map<uint64_t, PendingCall*> calls_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CALL_TABLE_H_
