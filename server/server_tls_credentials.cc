#include "server/server_tls_credentials.h"

#include <sys/stat.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "rpc/log.h"
#include "server/server_tls_context.h"

namespace framerpc {
namespace internal {

absl::StatusOr<std::shared_ptr<ServerTlsCredentials>>
ServerTlsCredentials::Load(const TlsServerOptions& options) {
  // Stamped before reading: a change during the read is seen next time.
  Stamps stamps = Look(options);
  absl::StatusOr<std::shared_ptr<TlsContext>> context =
      MakeServerTlsContext(options);
  if (!context.ok()) return context.status();
  return std::shared_ptr<ServerTlsCredentials>(new ServerTlsCredentials(
      options, *std::move(context), std::move(stamps), absl::Now()));
}

ServerTlsCredentials::Stamps ServerTlsCredentials::Look(
    const TlsServerOptions& options) {
  Stamps stamps;
  for (const std::string* file :
       {&options.cert_chain_file, &options.private_key_file,
        &options.client_ca_file}) {
    Stamp stamp;
    struct stat status {};
    if (!file->empty() && ::stat(file->c_str(), &status) == 0) {
      stamp.device = status.st_dev;
      stamp.inode = status.st_ino;
      stamp.size = status.st_size;
      stamp.modified_ns = int64_t{status.st_mtim.tv_sec} * 1000000000 +
                          status.st_mtim.tv_nsec;
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

std::shared_ptr<TlsContext> ServerTlsCredentials::Current(absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (now - last_check_ < kCheckInterval) return context_;
  last_check_ = now;
  Stamps stamps = Look(options_);
  if (stamps == seen_) return context_;
  seen_ = std::move(stamps);
  absl::StatusOr<std::shared_ptr<TlsContext>> reloaded =
      MakeServerTlsContext(options_);
  if (!reloaded.ok()) {
    Log(LogSeverity::kWarning,
        absl::StrCat("reload TLS credentials: ", reloaded.status().message(),
                     "; new connections keep the credentials loaded before"));
    return context_;
  }
  context_ = *std::move(reloaded);
  Log(LogSeverity::kInfo,
      absl::StrCat("reloaded TLS credentials from ", options_.cert_chain_file,
                   " and ", options_.private_key_file,
                   " for new connections"));
  return context_;
}

}  // namespace internal
}  // namespace framerpc
