#include "server/server_tls_context.h"

#include "absl/strings/str_cat.h"
#include "base/human_duration.h"

namespace framerpc {
namespace internal {

absl::StatusOr<std::shared_ptr<TlsContext>> MakeServerTlsContext(
    const TlsServerOptions& options) {
  if (options.cert_chain_file.empty() || options.private_key_file.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ServerOptions::tls.",
        options.cert_chain_file.empty() ? "cert_chain_file"
                                        : "private_key_file",
        " is empty; it is required when tls.enabled is set"));
  }
  if (options.handshake_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("ServerOptions::tls.handshake_timeout is ",
                     HumanDuration(options.handshake_timeout),
                     "; it must be positive"));
  }
  TlsServerFiles files;
  files.cert_chain_file = options.cert_chain_file;
  files.private_key_file = options.private_key_file;
  files.client_ca_file = options.client_ca_file;
  return TlsContext::ForServer(files);
}

}  // namespace internal
}  // namespace framerpc
