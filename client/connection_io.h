// ConnectionIo: the byte stream under a ClientConnection, the socket itself
// or TLS over it, with send(2)- and recv(2)-like calls so that the
// connection's write and read loops (partial writes, EAGAIN, waiting with
// poll) are the same for both.
//
// With TLS, one lock is held around each call into OpenSSL, which forbids
// concurrent calls on one connection, while the connection's writer and
// reader roles run on different threads. The lock is never held while
// waiting: both roles wait in poll(2) outside it.
//
// Borrows the socket; owns the TLS stream. Thread-safe.
#ifndef FRAMERPC_CLIENT_CONNECTION_IO_H_
#define FRAMERPC_CLIENT_CONNECTION_IO_H_

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/client_tls.h"
#include "framing/buffer.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {

class ConnectionIo {
 public:
  // Plaintext over `fd` when `tls` is null; else TLS over it, its
  // handshake done, and sessions the server sends later (TLS 1.3 tickets
  // come after the handshake) go to `sessions` (not null then).
  explicit ConnectionIo(int fd, std::unique_ptr<TlsStream> tls = nullptr,
                        std::shared_ptr<TlsSessionCache> sessions = nullptr);
  ConnectionIo(const ConnectionIo&) = delete;
  ConnectionIo& operator=(const ConnectionIo&) = delete;

  bool is_tls() const { return tls_ != nullptr; }
  // TLS with a client certificate of our own (mutual TLS).
  bool presents_certificate() const { return presents_certificate_; }

  // Like send(2) with MSG_DONTWAIT: the bytes taken (> 0), or -1 with
  // *error set, EAGAIN when there is no room. After an EAGAIN with TLS,
  // holds_unsent_record() says part of these bytes is already encrypted
  // and must be offered again (the same bytes, wherever they now are).
  ssize_t Send(const char* data, size_t size, int* error);
  // What a Send that failed with `error` means: UNAVAILABLE naming `what`
  // and the system's or TLS's reason.
  absl::Status SendFailure(absl::string_view what, int error) const;

  // Like Buffer::ReadFromFd: the bytes appended to `input` (> 0), 0 at the
  // end of the stream, or -1 with *error set, EAGAIN when nothing arrived.
  ssize_t Receive(Buffer& input, int* error);
  // What a Receive that failed with `error` means, as SendFailure.
  absl::Status ReceiveFailure(absl::string_view what, int error) const;
  // `ended`, the end of this stream, with a hint when nothing ever came on
  // it: a server that refuses the link (a TLS server a plaintext request;
  // under TLS 1.3 one requiring a client certificate, after the client
  // finished its handshake) closes at once, often with a reset that
  // discards its alert before it is read. SendFailure and ReceiveFailure
  // add it themselves.
  absl::Status ExplainEarlyEnd(absl::Status ended) const;

  // A TLS record half sent: the next Send must offer the same bytes again,
  // so a writer may not drop them as unsent.
  bool holds_unsent_record() const;
  // Plaintext already decrypted and waiting inside TLS: poll(2) would not
  // report it, so the reader must Receive before it waits.
  bool has_buffered_input() const;

 private:
  // The status of a failed TLS call, kept as text (read by the thread
  // that builds the connection's failure).
  void KeepTlsFailureLocked(const absl::Status& failure)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(tls_mu_);

  const int fd_;
  const std::unique_ptr<TlsStream> tls_;
  const std::shared_ptr<TlsSessionCache> sessions_;
  const bool presents_certificate_;
  // Whether any byte has come from the server.
  std::atomic<bool> received_any_{false};
  mutable std::mutex tls_mu_;
  bool record_pending_ ABSL_GUARDED_BY(tls_mu_) = false;
  std::string tls_failure_ ABSL_GUARDED_BY(tls_mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_CONNECTION_IO_H_
