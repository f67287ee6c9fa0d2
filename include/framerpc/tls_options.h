// TLS settings of a Server (ServerOptions::tls) and of a Channel
// (ChannelOptions::tls): which files hold the certificates and keys, and
// whom to trust. Plain values; the files are read when the Server starts or
// the Channel is made (and a server reads its own again when they change),
// so they must stay readable while it runs. What is verified, the threat
// model and how to rotate certificates: docs/security.md.
//
// Both sides speak TLS 1.2 or 1.3 (1.3 when both can) and offer the ALPN
// protocol "framerpc" without requiring it. Certificates are always
// verified: there is no option that turns verification off.
#ifndef FRAMERPC_TLS_OPTIONS_H_
#define FRAMERPC_TLS_OPTIONS_H_

#include <string>

#include "absl/time/time.h"

namespace framerpc {

struct TlsServerOptions {
  // Off by default: the server speaks plaintext. When on, every listening
  // address speaks TLS only, Unix sockets included, and a plaintext client
  // is told nothing it can misread: its connection is closed once its first
  // bytes show they are no TLS handshake.
  bool enabled = false;
  // PEM: the server's certificate first, then the intermediates up to (not
  // including) the root. Required when enabled.
  std::string cert_chain_file;
  // PEM: the private key of the certificate. Required when enabled.
  std::string private_key_file;
  // PEM: the certificate authorities that sign client certificates. Set,
  // every client must present a certificate one of them signed (mutual
  // TLS), and ServerContext::peer_identity() names it; empty, clients are
  // not asked for one.
  std::string client_ca_file;
  // A connection whose handshake has not finished this long after it was
  // accepted is closed, so peers that stall mid-handshake cannot pile up.
  // Must be positive.
  absl::Duration handshake_timeout = absl::Seconds(10);
};

struct TlsChannelOptions {
  // Off by default: the channel speaks plaintext.
  bool enabled = false;
  // PEM: the certificate authorities the server's certificate must chain
  // to. Empty: the system's trust store.
  std::string ca_file;
  // PEM, both or neither: the client's own certificate (then its
  // intermediates) and key, for servers that require one (mutual TLS).
  std::string cert_chain_file;
  std::string private_key_file;
  // The name the server's certificate must carry (and the SNI sent). Empty:
  // the host of the target ("localhost" of "localhost:7000", the name of a
  // "dns:///" target, or the IP address of an "ipv4:"/"ipv6:" endpoint,
  // matched against the certificate's IP addresses); "localhost" for a
  // "unix:" target, as gRPC does.
  std::string server_name;
};

}  // namespace framerpc

#endif  // FRAMERPC_TLS_OPTIONS_H_
