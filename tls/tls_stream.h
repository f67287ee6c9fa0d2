// TlsStream: one TLS connection over a connected non-blocking socket: the
// handshake in steps (each returns what the socket must be ready for
// before the next, so a loop drives many handshakes with poll and none
// blocks it), then reads and writes of plaintext that end early, as
// recv(2) and send(2) do, when the socket has no more to give or take.
//
// Failures are UNAVAILABLE statuses naming the peer and the cause in
// words: "TLS handshake with 127.0.0.1:7000 failed: certificate verify
// failed: certificate has expired", "... the peer closed the connection
// during the handshake (a plaintext server?)".
//
// Owns its SSL object, not the socket (the caller closes it after this is
// gone). Not thread-safe: OpenSSL forbids concurrent calls on one SSL, so
// a caller that reads and writes from different threads holds one lock
// around each call.
#ifndef FRAMERPC_TLS_TLS_STREAM_H_
#define FRAMERPC_TLS_TLS_STREAM_H_

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace internal {

class TlsStream {
 public:
  // What the socket must be ready for before the call that returned it is
  // tried again.
  enum class Want { kNothing, kRead, kWrite };

  // The client's end. `host` is the host dialled or the configured server
  // name: the certificate must be for it (a DNS name, also sent as SNI, or
  // an IP literal). `resume`, if not null, is a session from an earlier
  // connection to the same server, offered for resumption. `peer` names the
  // server in messages.
  static absl::StatusOr<std::unique_ptr<TlsStream>> ForClient(
      std::shared_ptr<TlsContext> context, int fd, const std::string& host,
      SSL_SESSION* resume, std::string peer);
  // The server's end; `peer` names the client in messages.
  static absl::StatusOr<std::unique_ptr<TlsStream>> ForServer(
      std::shared_ptr<TlsContext> context, int fd, std::string peer);

  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // One step of the handshake: OK with *want kNothing once it is done, OK
  // with kRead or kWrite while it waits for the socket, UNAVAILABLE when it
  // failed (the certificate, the protocol, or the peer closed).
  absl::Status Handshake(Want* want);
  bool handshake_done() const { return handshake_done_; }

  // The outcome of one Read or Write: `bytes` moved (> 0), or `want` set
  // when nothing could move yet, or `end_of_stream` when the peer closed
  // (Read only).
  struct Io {
    size_t bytes = 0;
    Want want = Want::kNothing;
    bool end_of_stream = false;
  };
  // Up to `size` bytes of plaintext. REQUIRES: handshake_done(), size > 0.
  absl::StatusOr<Io> Read(char* data, size_t size);
  // Some of `data`, at least one record's worth when the socket takes it;
  // a Write that returned `want` must be retried with the same bytes.
  // REQUIRES: handshake_done(), size > 0.
  absl::StatusOr<Io> Write(const char* data, size_t size);
  // Plaintext already decrypted and held by OpenSSL, which the next Read
  // returns without touching the socket: a loop must not wait for the
  // socket to become readable while this is nonzero (it may never).
  size_t buffered_plaintext() const {
    return static_cast<size_t>(SSL_pending(ssl_));
  }

  // After the handshake: whether it resumed an earlier session (no full
  // handshake), the protocol ALPN chose ("" for none), and the TLS version.
  bool session_reused() const;
  std::string alpn() const;
  std::string version() const;
  // The peer's verified certificate: its subject and subject alternative
  // names, "subject=CN=client1; san=DNS:client1.example,IP:127.0.0.1"; ""
  // when the peer sent none.
  std::string PeerIdentity() const;
  // Whether this end has a certificate of its own to present (a client
  // configured for mutual TLS).
  bool has_own_certificate() const;

  // The newest session the server gave this client (TLS 1.3 sends its
  // tickets after the handshake, so one may come with the first reads);
  // null when none came since the last take.
  SslSessionPtr TakeSession();

  // SSL_CTX_sess_set_new_cb for client contexts: keeps `session` in the
  // stream of `ssl`. Returns 1: the session is the stream's now.
  static int KeepNewSession(SSL* ssl, SSL_SESSION* session);

 private:
  TlsStream(std::shared_ptr<TlsContext> context, SSL* ssl, std::string peer)
      : context_(std::move(context)), ssl_(ssl), peer_(std::move(peer)) {}

  // A stream with a new SSL object of `context`, attached to nothing yet.
  static absl::StatusOr<std::unique_ptr<TlsStream>> Make(
      std::shared_ptr<TlsContext> context, std::string peer);
  // What an SSL_read_ex or SSL_write_ex that returned `result` (and moved
  // `moved` bytes) amounts to.
  absl::StatusOr<Io> Outcome(int result, size_t moved,
                             absl::string_view during);
  // The status for a failed call that returned `result`.
  absl::Status Failure(absl::string_view during, int result);

  const std::shared_ptr<TlsContext> context_;
  SSL* const ssl_;
  const std::string peer_;
  bool handshake_done_ = false;
  SslSessionPtr newest_session_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_TLS_TLS_STREAM_H_
