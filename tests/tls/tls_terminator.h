// TlsTerminator: a TLS front for a plaintext framerpc server, as a load
// balancer that terminates TLS would be, so that the Channel's TLS can be
// tested against a real Server before (and apart from) the Server's own
// TLS. It accepts TLS on 127.0.0.1, runs each handshake with TlsStream,
// then copies bytes both ways between the client and the backend, one
// thread per connection. It counts handshakes, resumed sessions and
// failures, and keeps the last client's identity.
//
// Owns its threads; the destructor stops and joins them (every wait is
// bounded). The counters are thread-safe.
#ifndef FRAMERPC_TESTS_TLS_TLS_TERMINATOR_H_
#define FRAMERPC_TESTS_TLS_TLS_TERMINATOR_H_

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "base/unique_fd.h"
#include "tls/tls_context.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace testing_support {

class TlsTerminator {
 public:
  // Listens on 127.0.0.1 (a free port) and forwards to 127.0.0.1:
  // `backend_port`.
  static absl::StatusOr<std::unique_ptr<TlsTerminator>> Start(
      std::shared_ptr<internal::TlsContext> context, int backend_port);
  ~TlsTerminator();

  int port() const { return port_; }
  // Handshakes that finished, and how many of them resumed a session.
  int handshakes() const { return handshakes_.load(); }
  int resumed() const { return resumed_.load(); }
  // Handshakes that failed, and the message of the last one.
  int failures() const { return failures_.load(); }
  std::string last_failure() const;
  // TlsStream::PeerIdentity() of the last client that finished one.
  std::string last_peer_identity() const;

 private:
  TlsTerminator(std::shared_ptr<internal::TlsContext> context,
                UniqueFd listener, int port, int backend_port);

  void AcceptLoop();
  void Serve(UniqueFd client);
  // Copies bytes both ways until either side ends or the terminator stops.
  void Pump(internal::TlsStream& tls, int client_fd, int backend_fd);

  const std::shared_ptr<internal::TlsContext> context_;
  const UniqueFd listener_;
  const int port_;
  const int backend_port_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> handshakes_{0};
  std::atomic<int> resumed_{0};
  std::atomic<int> failures_{0};

  mutable std::mutex mu_;
  std::string last_failure_ ABSL_GUARDED_BY(mu_);
  std::string last_peer_identity_ ABSL_GUARDED_BY(mu_);
  std::vector<std::thread> connections_ ABSL_GUARDED_BY(mu_);
  std::thread acceptor_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_TLS_TLS_TERMINATOR_H_
