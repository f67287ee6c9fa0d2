#include "tls/socket_bio.h"

#include <errno.h>
#include <sys/socket.h>

namespace framerpc {
namespace internal {
namespace {

int FdOf(BIO* bio) { return static_cast<int>(reinterpret_cast<intptr_t>(BIO_get_data(bio))); }

bool WouldBlock(int error) { return error == EAGAIN || error == EWOULDBLOCK; }

int SocketWrite(BIO* bio, const char* data, int size) {
  BIO_clear_retry_flags(bio);
  while (true) {
    const ssize_t sent = ::send(FdOf(bio), data, static_cast<size_t>(size),
                                MSG_NOSIGNAL);
    if (sent >= 0) return static_cast<int>(sent);
    if (errno == EINTR) continue;
    if (WouldBlock(errno)) BIO_set_retry_write(bio);
    return -1;
  }
}

int SocketRead(BIO* bio, char* data, int size) {
  BIO_clear_retry_flags(bio);
  while (true) {
    const ssize_t received =
        ::recv(FdOf(bio), data, static_cast<size_t>(size), 0);
    if (received >= 0) return static_cast<int>(received);
    if (errno == EINTR) continue;
    if (WouldBlock(errno)) BIO_set_retry_read(bio);
    return -1;
  }
}

long SocketControl(BIO* /*bio*/, int command, long /*number*/, void* /*ptr*/) {
  // Flushing is what every send already did; nothing else is supported.
  return command == BIO_CTRL_FLUSH ? 1 : 0;
}

int SocketCreate(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Made once; OpenSSL keeps method tables for the life of the process.
BIO_METHOD* SocketMethod() {
  static BIO_METHOD* const method = [] {
    BIO_METHOD* made = BIO_meth_new(
        BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "framerpc socket");
    BIO_meth_set_write(made, &SocketWrite);
    BIO_meth_set_read(made, &SocketRead);
    BIO_meth_set_ctrl(made, &SocketControl);
    BIO_meth_set_create(made, &SocketCreate);
    return made;
  }();
  return method;
}

}  // namespace

BIO* NewSocketBio(int fd) {
  BIO_METHOD* method = SocketMethod();
  if (method == nullptr) return nullptr;
  BIO* bio = BIO_new(method);
  if (bio != nullptr) {
    BIO_set_data(bio, reinterpret_cast<void*>(static_cast<intptr_t>(fd)));
  }
  return bio;
}

}  // namespace internal
}  // namespace framerpc
