// DeferredCall, the server's record of a call whose handler deferred its
// answer (ServerContext::Defer): what its ServerResponder drives. Its
// stages:
//   handler running --Finish--> answered early: RunCall answers it as if
//                                the handler had returned the status
//   handler running --TakeOver-> waiting: the record holds the context,
//                                the reply and what ending needs
//   waiting --Finish-----------> done: Finish's thread ends the call
//                                (call_ending.h) and sends the answer as a
//                                worker would (FinishCallOffLoop), which
//                                tells the loop the call is over
// An answer after the call's deadline is DEADLINE_EXCEEDED (the caller
// gave up already; the reply is not sent). Answers go through the
// server's DeferredAnswerGate, which Shutdown closes once its loops have
// stopped: a later answer is dropped, since the loops and completion
// queues it would use are going away.
//
// Thread-safe: Finish and IsCancelled from any thread; TakeOver and
// Preempt from RunCall's.
#ifndef FRAMERPC_SERVER_DEFERRED_CALL_H_
#define FRAMERPC_SERVER_DEFERRED_CALL_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "framerpc/server_context.h"
#include "google/protobuf/message.h"
#include "rpc/deferred_answer.h"
#include "server/call_ending.h"
#include "server/completion_queue.h"
#include "server/connection_output.h"

namespace framerpc {
namespace internal {

// Whether deferred answers may still be sent: open while the server's
// loops serve; closed (for good) by Shutdown once they have stopped.
class DeferredAnswerGate {
 public:
  // Waits for answers being sent, then turns the later ones away.
  void Close();
  bool open() const;
  // Runs `send` unless closed, with Close held off meanwhile. Returns
  // whether it ran.
  template <class Send>
  bool SendIfOpen(Send&& send) {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (!open_) return false;
    send();
    return true;
  }

 private:
  mutable std::shared_mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
};

// Where a call's answer goes if its handler defers it: its connection's
// output, its loop's completion queue, the server's gate. Borrowed
// pointers, so that a call that does not defer costs no copy; a
// DeferredCall keeps its own references.
struct AnswerRoute {
  const std::shared_ptr<ConnectionOutput>* output = nullptr;
  CompletionQueue* completions = nullptr;
  const std::shared_ptr<DeferredAnswerGate>* gate = nullptr;
};

// Lets the server set what a ServerContext's Defer uses (a friend of
// ServerContext).
struct ServerContextAccess {
  static void SetDeferralSource(ServerContext& context,
                                DeferralSource* source) {
    context.deferral_source_ = source;
  }
};

class DeferredCall final : public DeferredAnswer {
 public:
  // `route`'s pointers must be set. `cancelled` may be null (never).
  DeferredCall(const AnswerRoute& route, std::string method,
               absl::Time deadline,
               std::shared_ptr<const std::atomic<bool>> cancelled);

  void Finish(absl::Status status) override;
  bool IsCancelled() const override;
  const std::string& method() const override { return method_; }

  // The handler returned. When Finish came already, returns false with
  // `*answer` its status and takes nothing. Otherwise takes `*context`,
  // `*reply` and `ending` and returns true: Finish will answer.
  bool TakeOver(std::unique_ptr<ServerContext>* context,
                std::unique_ptr<google::protobuf::Message>* reply,
                const CallEnding& ending, absl::Status* answer);
  // The handler threw after deferring: RunCall answers INTERNAL, and a
  // later Finish does nothing.
  void Preempt();

 private:
  enum class Stage { kHandlerRunning, kAnsweredEarly, kWaiting, kDone };

  // Ends the call with `status` and sends the answer, on this thread.
  void Answer(absl::Status status,
              std::unique_ptr<ServerContext> context,
              std::unique_ptr<google::protobuf::Message> reply);

  const std::shared_ptr<ConnectionOutput> output_;
  CompletionQueue* const completions_;
  const std::shared_ptr<DeferredAnswerGate> gate_;
  const std::string method_;
  const absl::Time deadline_;
  const std::shared_ptr<const std::atomic<bool>> cancelled_;

  std::mutex mu_;
  Stage stage_ ABSL_GUARDED_BY(mu_) = Stage::kHandlerRunning;
  absl::Status early_answer_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<ServerContext> context_ ABSL_GUARDED_BY(mu_);
  std::unique_ptr<google::protobuf::Message> reply_ ABSL_GUARDED_BY(mu_);
  CallEnding ending_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_DEFERRED_CALL_H_
