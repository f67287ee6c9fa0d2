// internal
// ServerTlsCredentials, the TLS credentials a Server hands new
// connections, following its certificate files on disk (API: "a server
// reloads its certificate and key files when they change on disk, without
// dropping connections").
//
// When it looks: Current() is called for every accepted connection, and
// at most once a second it stats the certificate chain, private key and
// client CA files (device, inode, size and modification time, so that a
// rename over the file, as certificate tools do it, counts as well as a
// rewrite in place). When any of them changed, it reads them all into a
// new TlsContext, which the connections accepted from then on use;
// established connections keep the context they were made with (their
// TlsStream holds it). A server that accepts nothing reads nothing.
//
// A change that does not load (a key written before its certificate, a
// truncated file) keeps the old credentials and logs why; the files are
// tried again once they change again, so a rotation written in two steps
// is picked up at its second step.
//
// Shared by the loops (shared_ptr); thread-safe. Reading the files (about
// a millisecond) happens under its mutex on the loop thread that accepted
// the connection, once per change.
#ifndef FRAMERPC_SERVER_SERVER_TLS_CREDENTIALS_H_
#define FRAMERPC_SERVER_SERVER_TLS_CREDENTIALS_H_

#include <sys/types.h>

#include <memory>
#include <mutex>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "framerpc/tls_options.h"
#include "tls/tls_context.h"

namespace framerpc {
namespace internal {

class ServerTlsCredentials {
 public:
  // How often Current() looks at the files at most.
  static constexpr absl::Duration kCheckInterval = absl::Seconds(1);

  // Reads the files once (MakeServerTlsContext's checks and errors).
  static absl::StatusOr<std::shared_ptr<ServerTlsCredentials>> Load(
      const TlsServerOptions& options);

  // The context for a connection accepted at `now`: reloaded first if the
  // files changed and the last look was kCheckInterval ago or more.
  std::shared_ptr<TlsContext> Current(absl::Time now);

 private:
  // What identifies a file's contents without reading it.
  struct Stamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = -1;
    int64_t modified_ns = 0;
    bool operator==(const Stamp& other) const {
      return device == other.device && inode == other.inode &&
             size == other.size && modified_ns == other.modified_ns;
    }
  };
  using Stamps = std::vector<Stamp>;

  ServerTlsCredentials(TlsServerOptions options,
                       std::shared_ptr<TlsContext> context, Stamps stamps,
                       absl::Time now)
      : options_(std::move(options)),
        context_(std::move(context)),
        seen_(std::move(stamps)),
        last_check_(now) {}

  // The stamps of the certificate, key and client CA files (a file that
  // cannot be stat'ed has the default stamp).
  static Stamps Look(const TlsServerOptions& options);

  const TlsServerOptions options_;
  std::mutex mu_;
  std::shared_ptr<TlsContext> context_ ABSL_GUARDED_BY(mu_);
  // The files as last tried, whether they loaded or not.
  Stamps seen_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_SERVER_TLS_CREDENTIALS_H_
