// internal
// TlsTransport, the TLS layer of one established server connection: the
// connection's reads (loop thread) and its sends (the loop, or the worker
// or handler thread that finished a call, ConnectionOutput) go through its
// TlsStream instead of readv and sendmsg, with the same return
// conventions, so the loop's partial-read and partial-write logic stays
// as it is.
//
// OpenSSL forbids two threads in one SSL object at once, and a read on the
// loop thread can coincide with a worker's send: one mutex is held around
// every SSL call. A send holds it only while the socket takes bytes (a
// full socket ends it), so the loop never waits on O(message) work.
//
// Owns the TlsStream, not the socket: the Connection calls Close() before
// it closes the descriptor (the close_notify goes out then, and nothing
// can touch a reused descriptor number afterwards). Thread-safe.
#ifndef FRAMERPC_SERVER_TLS_TRANSPORT_H_
#define FRAMERPC_SERVER_TLS_TRANSPORT_H_

#include <sys/types.h>
#include <sys/uio.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "framing/buffer.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {

class TlsTransport {
 public:
  // `stream` has finished its handshake.
  explicit TlsTransport(std::unique_ptr<TlsStream> stream);
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  // The client's verified certificate (TlsStream::PeerIdentity, "subject=
  // ...; san=..."), "" when it sent none. Fixed at the handshake.
  const std::string& peer_identity() const { return peer_identity_; }

  // Decrypts what the socket has into `input`, first making room for
  // `reserve` bytes, and goes on until the socket has no more or at least
  // max(reserve, 64 KiB) were read (what Buffer::ReadFromFd takes in one
  // readv). Returns as ReadFromFd: the bytes read, 0 at the end of the
  // stream (close_notify or a plain close), or -1 with `*saved_errno`:
  // EAGAIN when nothing could be read yet, ECONNRESET when TLS failed (the
  // cause is logged, rate-limited). An end or failure met after some bytes
  // is reported by the next call. Loop thread only.
  ssize_t ReadInto(Buffer* input, size_t reserve, int* saved_errno);

  // Whether the next ReadInto has something to report without the socket
  // becoming readable (plaintext OpenSSL decrypted already, or an end
  // found after the bytes last returned): the loop must not wait for
  // readiness then. Lock-free; set by ReadInto.
  bool HasBufferedInput() const {
    return buffered_input_.load(std::memory_order_acquire);
  }

  // Encrypts and sends the bytes of `iov` in order until all are sent or
  // the socket is full. Returns as sendmsg(2): the bytes sent, or -1 with
  // `*saved_errno` (EAGAIN when none could go; EPIPE when TLS failed, the
  // cause logged). Bytes not sent must be offered again, from the first
  // unsent one, by the next call (OpenSSL's retry rule).
  ssize_t Writev(const iovec* iov, int count, int* saved_errno);

  // Sends close_notify if the socket takes it and frees the SSL object;
  // later reads and writes fail. Idempotent.
  void Close();

 private:
  std::mutex mu_;
  std::unique_ptr<TlsStream> stream_ ABSL_GUARDED_BY(mu_);
  // The end (0) or failure (-1, ECONNRESET) ReadInto met after it had
  // returned bytes, kept for its next call.
  int deferred_end_ ABSL_GUARDED_BY(mu_) = 1;
  std::atomic<bool> buffered_input_{false};
  const std::string peer_identity_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_TLS_TRANSPORT_H_
