// internal
// MakeServerTlsContext: the TlsContext a Server serves TLS with, from
// ServerOptions::tls, checked the way Server::Start reports bad options.
//
// Stateless; thread-safe.
#ifndef FRAMERPC_SERVER_SERVER_TLS_CONTEXT_H_
#define FRAMERPC_SERVER_SERVER_TLS_CONTEXT_H_

#include <memory>

#include "absl/status/statusor.h"
#include "framerpc/tls_options.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace internal {

// INVALID_ARGUMENT when a required file is not named, when
// handshake_timeout is not positive, or when a file cannot be read or
// parsed or the key does not match the certificate (naming the file and
// OpenSSL's reason). REQUIRES: options.enabled.
absl::StatusOr<std::shared_ptr<TlsContext>> MakeServerTlsContext(
    const TlsServerOptions& options);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_SERVER_TLS_CONTEXT_H_
