#include "server/listener.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "base/posix_error.h"
#include "base/status_macros.h"
#include "base/tcp_keepalive.h"

namespace framerpc {
namespace internal {
namespace {

// Makes `address.path` free for bind(2): nothing there, or a socket file
// left behind by a server that is gone (connect is refused), which is
// removed. A live socket or any other kind of file is refused.
absl::Status PrepareUnixPath(const Address& address,
                             const ResolvedAddress& resolved) {
  const std::string text = address.ToString();
  struct stat st;
  if (::lstat(address.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return absl::OkStatus();
    return PosixError(absl::StrCat("listen on ", text, ": stat the path"),
                      errno);
  }
  if (!S_ISSOCK(st.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat("listen on ", text,
                     ": the path exists and is not a socket; refusing to "
                     "replace it"));
  }
  UniqueFd probe(
      ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!probe.valid()) {
    return PosixError(
        absl::StrCat("listen on ", text, ": probe the existing socket"), errno);
  }
  if (::connect(probe.get(),
                reinterpret_cast<const sockaddr*>(&resolved.storage),
                resolved.length) == 0 ||
      errno == EAGAIN) {
    return PosixError(
        absl::StrCat("bind ", text,
                     " (a server is accepting connections there)"),
        EADDRINUSE);
  }
  if (errno == ENOENT) return absl::OkStatus();  // removed meanwhile
  if (errno != ECONNREFUSED) {
    return PosixError(
        absl::StrCat("listen on ", text, ": probe the existing socket"), errno);
  }
  if (::unlink(address.path.c_str()) != 0 && errno != ENOENT) {
    return PosixError(
        absl::StrCat("listen on ", text, ": remove the stale socket file"),
        errno);
  }
  return absl::OkStatus();
}

absl::Status SetIntOption(int fd, int level, int name, int value,
                          absl::string_view what, const std::string& address) {
  if (::setsockopt(fd, level, name, &value, sizeof(value)) == 0) {
    return absl::OkStatus();
  }
  return PosixError(absl::StrCat("listen on ", address, ": set ", what), errno);
}

}  // namespace

Listener::Listener(Address address, UniqueFd fd, absl::Duration keepalive_time,
                   absl::Duration keepalive_timeout)
    : address_(std::move(address)),
      fd_(std::move(fd)),
      keepalive_time_(keepalive_time),
      keepalive_timeout_(keepalive_timeout) {}

Listener::~Listener() {
  if (!owns_socket_file_) return;
  struct stat st;
  if (::lstat(address_.path.c_str(), &st) == 0 &&
      st.st_dev == socket_file_dev_ && st.st_ino == socket_file_ino_) {
    ::unlink(address_.path.c_str());  // best effort: nothing to report to
  }
}

absl::StatusOr<std::unique_ptr<Listener>> Listener::Create(
    absl::string_view address_text, absl::Duration keepalive_time,
    absl::Duration keepalive_timeout) {
  absl::StatusOr<Address> address = ParseAddress(address_text);
  if (!address.ok()) return address.status();
  const std::string text = address->ToString();
  absl::StatusOr<std::vector<ResolvedAddress>> resolved = Resolve(*address);
  if (!resolved.ok()) {
    return absl::Status(
        resolved.status().code(),
        absl::StrCat("listen on ", text, ": ", resolved.status().message()));
  }
  const ResolvedAddress& target = resolved->front();
  const bool is_unix = address->kind == Address::Kind::kUnix;
  if (is_unix) FRAMERPC_RETURN_IF_ERROR(PrepareUnixPath(*address, target));

  UniqueFd fd(
      ::socket(target.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    return PosixError(absl::StrCat("create a socket to listen on ", text),
                      errno);
  }
  if (!is_unix) {
    FRAMERPC_RETURN_IF_ERROR(SetIntOption(fd.get(), SOL_SOCKET, SO_REUSEADDR, 1,
                                          "SO_REUSEADDR", text));
  }
  if (target.family() == AF_INET6) {
    // "[::]:p" also accepts IPv4 clients, whatever the system default.
    FRAMERPC_RETURN_IF_ERROR(SetIntOption(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY,
                                          0, "IPV6_V6ONLY", text));
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&target.storage),
             target.length) != 0) {
    return PosixError(absl::StrCat("bind ", text), errno);
  }
  std::unique_ptr<Listener> listener(new Listener(
      *std::move(address), std::move(fd), keepalive_time, keepalive_timeout));
  if (is_unix) {
    struct stat st;
    if (::lstat(listener->address_.path.c_str(), &st) == 0) {
      listener->owns_socket_file_ = true;
      listener->socket_file_dev_ = st.st_dev;
      listener->socket_file_ino_ = st.st_ino;
    }
  }
  if (::listen(listener->fd(), SOMAXCONN) != 0) {
    return PosixError(absl::StrCat("listen on ", text), errno);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  if (::getsockname(listener->fd(), reinterpret_cast<sockaddr*>(&bound),
                    &length) != 0) {
    return PosixError(absl::StrCat("listen on ", text, ": getsockname"), errno);
  }
  if (is_unix) {
    listener->bound_address_ = text;
  } else {
    listener->bound_address_ =
        SockaddrToString(reinterpret_cast<const sockaddr*>(&bound), length);
    listener->port_ =
        bound.ss_family == AF_INET6
            ? ntohs(reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port)
            : ntohs(reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  }
  return listener;
}

absl::StatusOr<absl::optional<AcceptedSocket>> Listener::Accept() {
  while (true) {
    sockaddr_storage peer{};
    socklen_t length = sizeof(peer);
    const int fd = ::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer),
                             &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      AcceptedSocket accepted{
          UniqueFd(fd),
          SockaddrToString(reinterpret_cast<const sockaddr*>(&peer), length)};
      if (is_tcp()) {
        // Responses are whole frames written at once: never wait for more.
        const int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        // Best effort, like TCP_NODELAY: a socket that refuses them still
        // serves, and the idle timeout still closes it if its peer
        // vanishes; only the detection is slower.
        SetTcpKeepalive(fd, keepalive_time_, keepalive_timeout_).IgnoreError();
      } else if (accepted.peer == "unix:") {
        // Unix clients are nearly always unnamed; name the socket they came
        // in on instead.
        accepted.peer = bound_address_;
      }
      return absl::optional<AcceptedSocket>(std::move(accepted));
    }
    switch (errno) {
      case EAGAIN:
#if EAGAIN != EWOULDBLOCK
      case EWOULDBLOCK:
#endif
        return absl::optional<AcceptedSocket>();
      // The connection died before we took it, or a network error that
      // accept(2) passes on: skip it, as its manual page advises.
      case EINTR:
      case ECONNABORTED:
      case EPROTO:
      case EPERM:
      case ENETDOWN:
      case ENOPROTOOPT:
      case EHOSTDOWN:
      case ENONET:
      case EHOSTUNREACH:
      case EOPNOTSUPP:
      case ENETUNREACH:
        continue;
      default:
        return PosixError(absl::StrCat("accept on ", bound_address_), errno);
    }
  }
}

}  // namespace internal
}  // namespace framerpc
