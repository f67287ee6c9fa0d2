// ClientHandshake: the client's end of a TLS handshake on a socket that has
// just connected, driven with poll(2) on the dialing thread until it is done
// or `deadline` passes. The dialing thread is the one opening a connection
// (a call's, or the Channel's background connect), which waits for the
// connection anyway, so a blocking wait here stalls no one else.
//
// Stateless; thread-safe.
#ifndef FRAMERPC_CLIENT_TLS_HANDSHAKE_H_
#define FRAMERPC_CLIENT_TLS_HANDSHAKE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "client/client_tls.h"
#include "client/deadline.h"
#include "tls/tls_stream.h"

namespace framerpc {
namespace internal {

// Runs the handshake over the connected non-blocking socket `fd` to the
// server named `peer` in messages, verifying its certificate for `host`
// (a DNS name or an IP literal). Offers the session `sessions` holds, and
// stores there the session the handshake made. UNAVAILABLE when the
// handshake fails (the stream's message names the cause and the peer);
// DEADLINE_EXCEEDED, "TLS handshake with PEER: timed out", when `deadline`
// passes first.
absl::StatusOr<std::unique_ptr<TlsStream>> ClientHandshake(
    const ClientTls& tls, int fd, const std::string& host,
    TlsSessionCache& sessions, const std::string& peer,
    const Deadline& deadline);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_TLS_HANDSHAKE_H_
