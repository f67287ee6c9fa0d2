#include "server/tls_handshakes.h"

#include <poll.h>

#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "base/human_duration.h"
#include "rpc/log.h"

namespace framerpc {
namespace internal {

TlsHandshakes::TlsHandshakes(std::shared_ptr<ServerTlsCredentials> credentials,
                             absl::Duration timeout, Poller* poller)
    : credentials_(std::move(credentials)),
      timeout_(timeout),
      poller_(poller) {}

TlsHandshakes::~TlsHandshakes() { CloseAll(); }

bool TlsHandshakes::Start(AcceptedSocket socket, absl::Time now) {
  const int fd = socket.fd.get();
  absl::StatusOr<std::unique_ptr<TlsStream>> stream =
      TlsStream::ForServer(credentials_->Current(now), fd, socket.peer);
  if (!stream.ok()) {
    LogPeerProvoked(LogSeverity::kWarning,
                    absl::StrCat("close the connection from ", socket.peer,
                                 ": ", stream.status().message()));
    return false;
  }
  const absl::Time deadline = now + timeout_;
  poller_->Add(fd, POLLIN);
  deadlines_.emplace(deadline, fd);
  pending_.emplace(fd, Pending{std::move(socket), *std::move(stream), deadline});
  return true;
}

TlsHandshakes::Outcome TlsHandshakes::Step(int fd, Established* established) {
  auto it = pending_.find(fd);
  if (it == pending_.end()) return Outcome::kFailed;
  if (steps_left_ <= 0) return Outcome::kDeferred;
  --steps_left_;
  Pending& pending = it->second;
  TlsStream::Want want = TlsStream::Want::kNothing;
  const absl::Status stepped = pending.stream->Handshake(&want);
  if (!stepped.ok()) {
    // The message names the peer and OpenSSL's reason, never peer bytes.
    LogPeerProvoked(LogSeverity::kWarning,
                    absl::StrCat("close the connection: ", stepped.message()));
    Forget(it);
    return Outcome::kFailed;
  }
  if (want == TlsStream::Want::kNothing) {
    established->transport =
        std::make_shared<TlsTransport>(std::move(pending.stream));
    established->socket = std::move(pending.socket);
    Forget(it);
    return Outcome::kEstablished;
  }
  poller_->Update(fd, want == TlsStream::Want::kRead ? POLLIN : POLLOUT);
  return Outcome::kWaiting;
}

absl::Time TlsHandshakes::next_deadline() const {
  return deadlines_.empty() ? absl::InfiniteFuture()
                            : deadlines_.begin()->first;
}

size_t TlsHandshakes::CloseExpired(absl::Time now) {
  size_t closed = 0;
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    const int fd = deadlines_.begin()->second;
    auto it = pending_.find(fd);
    LogPeerProvoked(
        LogSeverity::kWarning,
        absl::StrCat("close the connection from ", it->second.socket.peer,
                     ": its TLS handshake did not finish within ",
                     HumanDuration(timeout_), " (tls.handshake_timeout)"));
    Forget(it);
    ++closed;
  }
  return closed;
}

size_t TlsHandshakes::CloseAll() {
  const size_t closed = pending_.size();
  while (!pending_.empty()) Forget(pending_.begin());
  return closed;
}

void TlsHandshakes::Forget(PendingMap::iterator it) {
  const int fd = it->first;
  poller_->Remove(fd);
  deadlines_.erase({it->second.deadline, fd});
  pending_.erase(it);  // the stream first, then the socket (if still here)
}

}  // namespace internal
}  // namespace framerpc
