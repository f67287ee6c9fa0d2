// internal
// TlsHandshakes, the accepted sockets of one EventLoop whose TLS handshake
// is still under way (ServerOptions::tls). The loop polls them like its
// connections; each readiness runs one non-blocking handshake step
// (TlsStream::Handshake), and the poller is then told what the next step
// waits for (POLLIN or POLLOUT). No frame is read from a socket here: only
// once its handshake is done does it leave, as an established TLS
// connection the loop makes a Connection of.
//
// Bounds: a handshake not done within `timeout` (tls.handshake_timeout)
// after the socket was accepted is closed (CloseExpired, from the loop's
// timers). And the loop runs at most kMaxStepsPerIteration handshake
// steps per iteration: a step is a few hundred microseconds of
// public-key work, so a flood of handshakes could otherwise keep the loop
// from its established connections. A socket whose turn did not come
// stays readable (or writable), and the level-triggered poller reports it
// again at once next iteration; meanwhile the established connections'
// events of this iteration are served as usual.
//
// A failed handshake (a plaintext client, garbage, a truncated or
// refused ClientHello, a certificate that does not verify) closes the
// socket and is logged, rate-limited (LogPeerProvoked): a peer can cause
// it at will.
//
// Owns the sockets and their TlsStreams; borrows the poller, which must
// outlive it. Not thread-safe: the loop's thread only.
#ifndef FRAMERPC_SERVER_TLS_HANDSHAKES_H_
#define FRAMERPC_SERVER_TLS_HANDSHAKES_H_

#include <cstddef>
#include <memory>
#include <set>
#include <unordered_map>
#include <utility>

#include "absl/time/time.h"
#include "server/listener.h"
#include "server/poller.h"
#include "server/server_tls_credentials.h"
#include "server/tls_transport.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {

class TlsHandshakes {
 public:
  // Handshake steps one loop iteration runs at most (see above).
  static constexpr int kMaxStepsPerIteration = 16;

  // Each handshake uses the credentials current when its socket came.
  TlsHandshakes(std::shared_ptr<ServerTlsCredentials> credentials,
                absl::Duration timeout, Poller* poller);
  // Closes every handshake left (unregistering it).
  ~TlsHandshakes();
  TlsHandshakes(const TlsHandshakes&) = delete;
  TlsHandshakes& operator=(const TlsHandshakes&) = delete;

  // Starts the server's end of a handshake on `socket`, accepted at `now`,
  // and registers it for POLLIN (the client speaks first). False when
  // OpenSSL could not start one (logged; the socket is closed).
  bool Start(AcceptedSocket socket, absl::Time now);

  bool Contains(int fd) const { return pending_.count(fd) != 0; }
  size_t size() const { return pending_.size(); }

  // Gives the loop's next iteration its budget of steps.
  void BeginIteration() { steps_left_ = kMaxStepsPerIteration; }

  enum class Outcome {
    kWaiting,      // the step ran; the next waits for the socket
    kDeferred,     // no step left this iteration; the poller reports it again
    kEstablished,  // done: `*established` holds it, and it left here
    kFailed,       // closed (logged)
  };
  struct Established {
    AcceptedSocket socket;
    std::shared_ptr<TlsTransport> transport;
  };
  // One handshake step for `fd`, which the poller reported ready.
  // REQUIRES: Contains(fd).
  Outcome Step(int fd, Established* established);

  // When the oldest handshake times out; absl::InfiniteFuture() if none.
  absl::Time next_deadline() const;
  // Closes every handshake whose deadline is not after `now` (logged).
  // Returns how many.
  size_t CloseExpired(absl::Time now);
  // Closes every handshake (the loop stops). Returns how many.
  size_t CloseAll();

 private:
  struct Pending {
    AcceptedSocket socket;  // declared first: closed after the stream
    std::unique_ptr<TlsStream> stream;
    absl::Time deadline;
  };
  using PendingMap = std::unordered_map<int, Pending>;
  // Unregisters and forgets the handshake (closing its socket unless it
  // was moved out).
  void Forget(PendingMap::iterator it);

  const std::shared_ptr<ServerTlsCredentials> credentials_;
  const absl::Duration timeout_;
  Poller* const poller_;
  PendingMap pending_;
  // (deadline, fd) of every pending handshake, oldest first.
  std::set<std::pair<absl::Time, int>> deadlines_;
  int steps_left_ = kMaxStepsPerIteration;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_TLS_HANDSHAKES_H_
