// CallGroup: waits for a set of asynchronous calls (Channel::Call or a
// Stub method with a done callback) at once, for fan-out: start N calls,
// each with a callback from Add(), then Wait() for all of them.
//
//   framerpc::CallGroup group;
//   demo::SayReply a, b;
//   framerpc::ClientContext ca, cb;
//   stub.Say(&ca, request_a, &a, group.Add());
//   stub.Say(&cb, request_b, &b, group.Add());
//   absl::Status status = group.Wait();   // OK only if both succeeded
//
// The group owns only the statuses; the calls' requests, replies and
// contexts stay the caller's, and must live until Wait() returns (the
// callbacks run after each reply is filled). The destructor waits for
// every callback handed out, so a group never outlives its calls' ends.
//
// Thread-safe: callbacks run on framerpc threads while one thread adds and
// waits. Do not Wait() inside one of the group's own callbacks.
#ifndef FRAMERPC_CALL_GROUP_H_
#define FRAMERPC_CALL_GROUP_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"

namespace framerpc {

class CallGroup {
 public:
  CallGroup() = default;
  // Waits for the callbacks handed out that have not run yet.
  ~CallGroup();
  CallGroup(const CallGroup&) = delete;
  CallGroup& operator=(const CallGroup&) = delete;

  // A done callback for one more call: records the call's status (in the
  // order Add was called) and counts it finished. Pass it to exactly one
  // call; a callback destroyed without being run counts as a call that
  // never finishes.
  absl::AnyInvocable<void(absl::Status) &&> Add();

  // Blocks until every call added so far has finished. OK when all
  // succeeded, else the status of the first added call that failed.
  absl::Status Wait();
  // As Wait, for at most `timeout`: false (nothing returned) when some
  // call is still running then.
  bool WaitFor(absl::Duration timeout);

  // The statuses of the calls added so far, in the order added; a call
  // still running shows as UNKNOWN "call still running".
  std::vector<absl::Status> statuses() const;

 private:
  void Record(size_t index, absl::Status status);
  absl::Status FirstFailureLocked() const;

  mutable std::mutex mu_;
  std::condition_variable finished_cv_;
  std::vector<absl::Status> statuses_;  // guarded by mu_
  size_t running_ = 0;                  // guarded by mu_
};

}  // namespace framerpc

#endif  // FRAMERPC_CALL_GROUP_H_
