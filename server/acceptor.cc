#include "server/acceptor.h"

#include <poll.h>
#include <sys/socket.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "framing/buffer.h"
#include "rpc/log.h"
#include "server/call.h"

namespace framerpc {
namespace internal {
namespace {

// Connections accepted per listener readiness.
constexpr int kMaxAcceptsPerEvent = 64;
// How long accepting pauses when the process is out of descriptors.
constexpr absl::Duration kAcceptPause = absl::Milliseconds(100);

}  // namespace

Acceptor::Acceptor(std::vector<std::unique_ptr<Listener>> listeners,
                   size_t max_connections, Poller* poller)
    : listeners_(std::move(listeners)),
      max_connections_(max_connections),
      poller_(poller) {}

void Acceptor::Start() {
  for (const auto& listener : listeners_) poller_->Add(listener->fd(), POLLIN);
}

bool Acceptor::IsListener(int fd) const {
  for (const auto& listener : listeners_) {
    if (listener->fd() == fd) return true;
  }
  return false;
}

void Acceptor::AcceptAll(int fd, absl::Time now, size_t open_connections,
                         AdoptFn adopt) {
  Listener* listener = nullptr;
  for (const auto& candidate : listeners_) {
    if (candidate->fd() == fd) listener = candidate.get();
  }
  if (listener == nullptr) return;
  for (int i = 0; i < kMaxAcceptsPerEvent; ++i) {
    absl::StatusOr<absl::optional<AcceptedSocket>> accepted =
        listener->Accept();
    if (!accepted.ok()) {
      // Out of descriptors or memory hurts every client; a flood of
      // connections can cause it, hence the rate limit.
      LogPeerProvoked(
          LogSeverity::kError,
          absl::StrCat("accept on ", listener->bound_address(), ": ",
                       accepted.status().message(), "; accepting again in ",
                       absl::FormatDuration(kAcceptPause)));
      Pause(now);
      return;
    }
    if (!accepted->has_value()) return;
    if (open_connections >= max_connections_) {
      Reject(std::move(**accepted), open_connections);
      continue;
    }
    adopt(std::move(**accepted));
    ++open_connections;
  }
}

void Acceptor::Reject(AcceptedSocket socket, size_t open_connections) {
  const absl::Status refused = absl::ResourceExhaustedError(
      absl::StrCat("connection from ", socket.peer, " refused: server has ",
                   open_connections, " connections, the limit (max_connections)"));
  LogPeerProvoked(LogSeverity::kWarning, refused.message());
  Buffer out;
  AppendStatusResponse(0, refused, &out);
  // Best effort: a new socket's send buffer has room for a few bytes. Then
  // read what the client may already have sent, so the close is a FIN
  // rather than a reset that could discard the answer.
  ::send(socket.fd.get(), out.peek(), out.readable_bytes(), MSG_NOSIGNAL);
  ::shutdown(socket.fd.get(), SHUT_WR);
  int error = 0;
  out.RetrieveAll();
  out.ReadFromFd(socket.fd.get(), &error);
}

void Acceptor::Pause(absl::Time now) {
  // Out of descriptors or memory: the pending connection stays in the
  // backlog, so polling the listener would spin. Look again shortly.
  paused_ = true;
  paused_until_ = now + kAcceptPause;
  for (const auto& listener : listeners_) poller_->Update(listener->fd(), 0);
}

absl::Time Acceptor::resume_time() const {
  return paused_ ? paused_until_ : absl::InfiniteFuture();
}

void Acceptor::ResumeIfDue(absl::Time now) {
  if (!paused_ || now < paused_until_) return;
  paused_ = false;
  for (const auto& listener : listeners_) {
    poller_->Update(listener->fd(), POLLIN);
  }
}

void Acceptor::Close() {
  for (const auto& listener : listeners_) poller_->Remove(listener->fd());
  listeners_.clear();
  paused_ = false;
}

}  // namespace internal
}  // namespace framerpc
