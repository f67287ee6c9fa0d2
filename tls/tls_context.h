// TlsContext: the credentials and rules of one side's TLS connections, an
// OpenSSL SSL_CTX set up the way framerpc wants it (docs/security.md):
//
// - TLS 1.2 at least, 1.3 preferred (OpenSSL's default when both speak it);
// - ALPN "framerpc" offered by clients and accepted by servers, but not
//   required: a proxy that strips ALPN does not break the link;
// - a client verifies the server's chain against its CA file (or the
//   system's trust store) and the host name or IP address it dialled; there
//   is no switch that turns verification off;
// - a server with a client CA requires and verifies a client certificate
//   (mutual TLS); without one it asks for none;
// - a client keeps the sessions (TLS 1.3 tickets) servers give it, so a
//   reconnect resumes instead of running a full handshake.
//
// Files are read once, when the context is made; a server that follows
// changes on disk makes a new context and swaps it in for new connections.
//
// Thread-safe once made: TlsStreams on many threads share one context.
#ifndef FRAMERPC_TLS_TLS_CONTEXT_H_
#define FRAMERPC_TLS_TLS_CONTEXT_H_

#include <openssl/ssl.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace framerpc {
namespace internal {

struct SslCtxFree {
  void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SslSessionFree {
  void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using SslSessionPtr = std::unique_ptr<SSL_SESSION, SslSessionFree>;

// The ALPN protocol name framerpc offers.
inline constexpr char kAlpnProtocol[] = "framerpc";

struct TlsServerFiles {
  std::string cert_chain_file;   // PEM: the server's certificate, then its chain
  std::string private_key_file;  // PEM
  std::string client_ca_file;    // PEM; empty: no client certificate asked
};

struct TlsClientFiles {
  std::string ca_file;  // PEM; empty: the system's trust store
  // Both or neither: the client's certificate for mutual TLS.
  std::string cert_chain_file;
  std::string private_key_file;
};

class TlsContext {
 public:
  // INVALID_ARGUMENT naming the file and OpenSSL's reason when a file
  // cannot be read or parsed, or the key does not match the certificate.
  static absl::StatusOr<std::shared_ptr<TlsContext>> ForServer(
      const TlsServerFiles& files);
  static absl::StatusOr<std::shared_ptr<TlsContext>> ForClient(
      const TlsClientFiles& files);

  SSL_CTX* get() const { return context_.get(); }
  bool is_server() const { return is_server_; }
  // Whether a server requires client certificates.
  bool requires_client_certificate() const { return requires_client_cert_; }

 private:
  TlsContext(SSL_CTX* context, bool is_server, bool requires_client_cert)
      : context_(context),
        is_server_(is_server),
        requires_client_cert_(requires_client_cert) {}

  std::unique_ptr<SSL_CTX, SslCtxFree> context_;
  const bool is_server_;
  const bool requires_client_cert_;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_TLS_TLS_CONTEXT_H_
