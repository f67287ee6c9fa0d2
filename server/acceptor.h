// Acceptor, the loop's listening side: the listeners, taking new
// connections from them, refusing those over ServerOptions::max_connections,
// and pausing when the process runs out of descriptors. What becomes of an
// accepted socket is the loop's business (`adopt`).
//
// Owns the listeners (closing one unlinks its Unix socket file). Borrows
// the poller, which must outlive it and in which it registers and
// unregisters the listeners' descriptors. Not thread-safe: the loop thread
// only.
#ifndef FRAMERPC_SERVER_ACCEPTOR_H_
#define FRAMERPC_SERVER_ACCEPTOR_H_

#include <cstddef>
#include <memory>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/time/time.h"
#include "server/listener.h"
#include "server/poller.h"

namespace framerpc {
namespace internal {

class Acceptor {
 public:
  // Receives an accepted socket that the loop is to serve.
  using AdoptFn = absl::FunctionRef<void(AcceptedSocket)>;

  Acceptor(std::vector<std::unique_ptr<Listener>> listeners,
           size_t max_connections, Poller* poller);
  Acceptor(const Acceptor&) = delete;
  Acceptor& operator=(const Acceptor&) = delete;

  // Registers the listeners with the poller, for POLLIN.
  void Start();

  // Whether `fd` is one of the listeners.
  bool IsListener(int fd) const;

  // Accepts the connections pending on listener `fd`, at most
  // kMaxAcceptsPerEvent so that a flood of connects cannot starve the
  // connections already open. `open_connections` is how many the loop
  // serves; each socket handed to `adopt` counts as one more. Once the
  // count reaches max_connections, a new socket is answered with a call_id
  // 0 RESOURCE_EXHAUSTED response and closed instead. When accepting fails
  // (out of descriptors or memory), every listener stops polling until
  // resume_time().
  void AcceptAll(int fd, absl::Time now, size_t open_connections,
                 AdoptFn adopt);

  // When a pause ends; InfiniteFuture when not paused.
  absl::Time resume_time() const;
  // Ends the pause if `now` has reached its end.
  void ResumeIfDue(absl::Time now);

  // Unregisters and closes every listener; accepts nothing from then on.
  void Close();

 private:
  void Reject(AcceptedSocket socket, size_t open_connections);
  void Pause(absl::Time now);

  std::vector<std::unique_ptr<Listener>> listeners_;
  const size_t max_connections_;
  Poller* const poller_;
  bool paused_ = false;
  absl::Time paused_until_ = absl::InfinitePast();
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_ACCEPTOR_H_
