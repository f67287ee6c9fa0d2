// DeferredAnswer, what a ServerResponder drives: the server's record of
// one call whose handler deferred its answer (server/deferred_call.h), and
// DeferralSource, what lets ServerContext::Defer make one. Both live here,
// beside ServerContext, so that the public types need not know the
// server's internals.
//
// Thread-safe: Finish and IsCancelled may be called from any thread.
#ifndef FRAMERPC_RPC_DEFERRED_ANSWER_H_
#define FRAMERPC_RPC_DEFERRED_ANSWER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"

namespace framerpc {
namespace internal {

class DeferredAnswer {
 public:
  virtual ~DeferredAnswer() = default;
  // The first call answers; later ones do nothing.
  virtual void Finish(absl::Status status) = 0;
  virtual bool IsCancelled() const = 0;
  // The full method name, for the message of an answer never given.
  virtual const std::string& method() const = 0;
};

// Set on a ServerContext by the server that runs its handler.
class DeferralSource {
 public:
  // Called at most once per call, on the handler's thread.
  virtual std::shared_ptr<DeferredAnswer> Defer() = 0;

 protected:
  ~DeferralSource() = default;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_RPC_DEFERRED_ANSWER_H_
