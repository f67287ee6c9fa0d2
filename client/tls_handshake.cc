#include "client/tls_handshake.h"

#include <errno.h>
#include <poll.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {

absl::StatusOr<std::unique_ptr<TlsStream>> ClientHandshake(
    const ClientTls& tls, int fd, const std::string& host,
    TlsSessionCache& sessions, const std::string& peer,
    const Deadline& deadline) {
  const SslSessionPtr resume = sessions.Get();
  absl::StatusOr<std::unique_ptr<TlsStream>> made =
      TlsStream::ForClient(tls.context, fd, host, resume.get(), peer);
  if (!made.ok()) return made.status();
  std::unique_ptr<TlsStream> stream = *std::move(made);
  while (true) {
    TlsStream::Want want = TlsStream::Want::kNothing;
    absl::Status step = stream->Handshake(&want);
    if (!step.ok()) return step;
    if (want == TlsStream::Want::kNothing) break;
    pollfd p{fd, static_cast<short>(want == TlsStream::Want::kRead ? POLLIN
                                                                   : POLLOUT),
             0};
    int ready;
    do {
      ready = ::poll(&p, 1, deadline.PollTimeoutMs());
    } while (ready < 0 && errno == EINTR);
    if (ready < 0) {
      return absl::UnavailableError(
          PosixError(absl::StrCat("TLS handshake with ", peer, ": poll"),
                     errno)
              .message());
    }
    if (ready == 0) {
      return absl::DeadlineExceededError(
          absl::StrCat("TLS handshake with ", peer, ": timed out"));
    }
  }
  sessions.Put(stream->TakeSession());
  return stream;
}

}  // namespace internal
}  // namespace framerpc
