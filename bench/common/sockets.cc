#include "bench/common/sockets.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "base/posix_error.h"
#include "rpc/address.h"

namespace framerpc {
namespace bench {
namespace {

// The first socket address `address` resolves to (its path for Unix).
absl::StatusOr<ResolvedAddress> ToSockaddr(const Address& address) {
  absl::StatusOr<std::vector<ResolvedAddress>> all = Resolve(address);
  if (!all.ok()) return all.status();
  return all->front();  // Resolve never returns an empty list
}

}  // namespace

absl::StatusOr<Listener> ListenOn(absl::string_view text) {
  absl::StatusOr<Address> address = ParseAddress(text);
  if (!address.ok()) return address.status();
  absl::StatusOr<ResolvedAddress> where = ToSockaddr(*address);
  if (!where.ok()) return where.status();

  const std::string what = absl::StrCat("listen on ", text);
  UniqueFd fd(::socket(where->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return PosixError(absl::StrCat(what, ": socket"), errno);
  if (address->kind == Address::Kind::kUnix) {
    struct stat st;
    if (::lstat(address->path.c_str(), &st) == 0) {
      if (!S_ISSOCK(st.st_mode)) {
        return absl::FailedPreconditionError(absl::StrCat(
            what, ": ", address->path, " exists and is not a socket"));
      }
      ::unlink(address->path.c_str());
    }
  } else {
    const int one = 1;
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) !=
        0) {
      return PosixError(absl::StrCat(what, ": SO_REUSEADDR"), errno);
    }
  }
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&where->storage),
             where->length) != 0) {
    return PosixError(absl::StrCat(what, ": bind"), errno);
  }
  if (::listen(fd.get(), SOMAXCONN) != 0) {
    return PosixError(absl::StrCat(what, ": listen"), errno);
  }
  Listener listener;
  if (address->kind == Address::Kind::kUnix) {
    listener.address = address->ToString();
  } else {
    sockaddr_storage bound{};
    socklen_t length = sizeof(bound);
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &length) !=
        0) {
      return PosixError(absl::StrCat(what, ": getsockname"), errno);
    }
    listener.address =
        SockaddrToString(reinterpret_cast<const sockaddr*>(&bound), length);
  }
  listener.fd = std::move(fd);
  return listener;
}

absl::StatusOr<UniqueFd> ConnectTo(absl::string_view text) {
  absl::StatusOr<Address> address = ParseAddress(text);
  if (!address.ok()) return address.status();
  absl::StatusOr<ResolvedAddress> where = ToSockaddr(*address);
  if (!where.ok()) return where.status();

  const std::string what = absl::StrCat("connect to ", text);
  UniqueFd fd(::socket(where->family(), SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return PosixError(absl::StrCat(what, ": socket"), errno);
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&where->storage),
                   where->length);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) return PosixError(what, errno);
  absl::Status nodelay = SetNoDelayIfTcp(fd.get());
  if (!nodelay.ok()) return nodelay;
  return fd;
}

absl::StatusOr<UniqueFd> AcceptConnection(int listen_fd) {
  while (true) {
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) {
      UniqueFd connection(fd);
      absl::Status nodelay = SetNoDelayIfTcp(fd);
      if (!nodelay.ok()) return nodelay;
      return connection;
    }
    if (errno != EINTR) return PosixError("accept", errno);
  }
}

absl::Status SetNoDelayIfTcp(int fd) {
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) != 0) {
    return PosixError("getsockname", errno);
  }
  if (local.ss_family != AF_INET && local.ss_family != AF_INET6) {
    return absl::OkStatus();
  }
  const int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0) {
    return PosixError("setsockopt TCP_NODELAY", errno);
  }
  return absl::OkStatus();
}

absl::Status SetNonBlocking(int fd) {
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    return PosixError("fcntl O_NONBLOCK", errno);
  }
  return absl::OkStatus();
}

}  // namespace bench
}  // namespace framerpc
