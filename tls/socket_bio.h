// NewSocketBio: an OpenSSL BIO over a connected non-blocking socket that
// sends with MSG_NOSIGNAL, so that TLS writing to a peer that has gone
// fails EPIPE instead of raising SIGPIPE in the application (OpenSSL's own
// socket BIO uses write(2)), and retries EINTR itself.
//
// The BIO does not own the socket. Thread-safety: that of the SSL object
// it serves.
#ifndef FRAMERPC_TLS_SOCKET_BIO_H_
#define FRAMERPC_TLS_SOCKET_BIO_H_

#include <openssl/bio.h>

namespace framerpc {
namespace internal {

// A new BIO (refcount 1) for `fd`; null if OpenSSL cannot allocate one.
BIO* NewSocketBio(int fd);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_TLS_SOCKET_BIO_H_
