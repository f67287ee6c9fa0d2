// Listener, one listening socket (TCP over IPv4 or IPv6, or a Unix
// domain socket) and the accept(2) on it.
//
// Create() binds and listens; Accept() returns connected, non-blocking
// sockets. A Unix listener removes a stale socket file before binding,
// refuses a path that exists and is not a socket (or that a live server
// still accepts on), and unlinks the file it created when destroyed.
//
// Owns the listening descriptor and (for Unix) the socket file it created.
// Not thread-safe: created on the thread that calls Server::Listen, then
// used only on the loop thread.
#ifndef FRAMERPC_SERVER_LISTENER_H_
#define FRAMERPC_SERVER_LISTENER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "base/unique_fd.h"
#include "rpc/address.h"

namespace framerpc {
namespace internal {

// A freshly accepted connection.
struct AcceptedSocket {
  // Non-blocking, close-on-exec; on TCP, TCP_NODELAY and the keepalive
  // options (base/tcp_keepalive.h) the Listener was created with.
  UniqueFd fd;
  std::string peer;  // "127.0.0.1:41234", "[::1]:41234" or "unix:/path"
};

class Listener {
 public:
  // Binds `address` ("host:port", "[v6]:port", "unix:/path") and listens.
  // A host name binds its first resolved address. Errors name the address
  // and the cause: INVALID_ARGUMENT for a malformed address, the errno's
  // status for socket/bind/listen ("bind 127.0.0.1:80: Permission denied"),
  // FAILED_PRECONDITION for a Unix path that exists and is not a socket.
  // `keepalive_time` and `keepalive_timeout` (ServerOptions' fields of
  // those names) are set on every TCP socket Accept() returns.
  static absl::StatusOr<std::unique_ptr<Listener>> Create(
      absl::string_view address, absl::Duration keepalive_time,
      absl::Duration keepalive_timeout);

  // Unlinks the Unix socket file if it is still the one this listener made.
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int fd() const { return fd_.get(); }
  bool is_tcp() const { return address_.kind == Address::Kind::kTcp; }
  // The bound port (the chosen one after port 0); 0 for a Unix listener.
  int port() const { return port_; }
  // The bound address as text: "127.0.0.1:41234", "[::]:5000", "unix:/p".
  const std::string& bound_address() const { return bound_address_; }

  // The next pending connection; nullopt when none is pending (EAGAIN).
  // Connections that failed before accept (ECONNABORTED, ...) are skipped.
  // Fails with the errno's status when accepting is impossible for now
  // (EMFILE, ENFILE, ENOBUFS, ENOMEM): the caller should pause, not spin.
  absl::StatusOr<absl::optional<AcceptedSocket>> Accept();

 private:
  Listener(Address address, UniqueFd fd, absl::Duration keepalive_time,
           absl::Duration keepalive_timeout);

  Address address_;
  UniqueFd fd_;
  const absl::Duration keepalive_time_;
  const absl::Duration keepalive_timeout_;
  int port_ = 0;
  std::string bound_address_;
  // Identity of the socket file this listener created (Unix only), so the
  // destructor never removes a file that someone else put there since.
  bool owns_socket_file_ = false;
  dev_t socket_file_dev_ = 0;
  ino_t socket_file_ino_ = 0;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_LISTENER_H_
