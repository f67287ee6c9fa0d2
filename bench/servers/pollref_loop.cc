#include "bench/servers/pollref_loop.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "base/posix_error.h"
#include "bench/common/blocking_frames.h"
#include "bench/common/sockets.h"

namespace framerpc {
namespace bench {
namespace {

constexpr size_t kFixedFds = 2;
// Stop reading from a connection whose peer does not read its replies.
constexpr size_t kMaxQueuedOutput = size_t{64} << 20;

}  // namespace

absl::StatusOr<std::unique_ptr<PollrefLoop>> PollrefLoop::Create(
    UniqueFd listener) {
  absl::Status status = SetNonBlocking(listener.get());
  if (!status.ok()) return status;
  UniqueFd wakeup(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!wakeup.valid()) return PosixError("eventfd", errno);
  return std::unique_ptr<PollrefLoop>(
      new PollrefLoop(std::move(listener), std::move(wakeup)));
}

PollrefLoop::PollrefLoop(UniqueFd listener, UniqueFd wakeup)
    : listener_(std::move(listener)),
      wakeup_(std::move(wakeup)),
      decoder_(kBenchMaxBodySize) {
  pollfds_.push_back({listener_.get(), POLLIN, 0});
  pollfds_.push_back({wakeup_.get(), POLLIN, 0});
}

void PollrefLoop::Stop() {
  const uint64_t one = 1;
  // A full counter (impossible here) would already mean "stop".
  [[maybe_unused]] ssize_t n = ::write(wakeup_.get(), &one, sizeof(one));
}

absl::Status PollrefLoop::Run() {
  std::vector<size_t> failed;
  while (true) {
    if (::poll(pollfds_.data(), pollfds_.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return PosixError("poll", errno);
    }
    if (pollfds_[1].revents != 0) break;
    if (pollfds_[0].revents != 0) AcceptAll();

    failed.clear();
    for (size_t i = 0; i < connections_.size(); ++i) {
      pollfd& p = pollfds_[kFixedFds + i];
      if (p.revents == 0) continue;
      Connection* c = connections_[i].get();
      bool ok = true;
      if (p.revents & (POLLIN | POLLHUP | POLLERR)) ok = HandleReadable(c);
      if (ok && !c->output.empty()) ok = Flush(c);
      if (ok) {
        p.events = EventsFor(*c);
      } else {
        failed.push_back(i);
      }
    }
    // Swap-remove from the back, so earlier indices stay valid.
    for (auto it = failed.rbegin(); it != failed.rend(); ++it) {
      const size_t i = *it;
      std::swap(connections_[i], connections_.back());
      std::swap(pollfds_[kFixedFds + i], pollfds_.back());
      connections_.pop_back();
      pollfds_.pop_back();
    }
  }
  connections_.clear();
  pollfds_.resize(kFixedFds);
  return absl::OkStatus();
}

void PollrefLoop::AcceptAll() {
  while (true) {
    absl::StatusOr<UniqueFd> fd = AcceptConnection(listener_.get());
    if (!fd.ok()) {
      if (!absl::IsUnavailable(fd.status())) {  // EAGAIN maps to UNAVAILABLE
        std::fprintf(stderr, "%s\n", fd.status().ToString().c_str());
      }
      return;
    }
    absl::Status status = SetNonBlocking(fd->get());
    if (!status.ok()) {
      std::fprintf(stderr, "%s\n", status.ToString().c_str());
      continue;
    }
    auto connection = std::make_unique<Connection>();
    connection->fd = *std::move(fd);
    pollfds_.push_back({connection->fd.get(), POLLIN, 0});
    connections_.push_back(std::move(connection));
  }
}

bool PollrefLoop::HandleReadable(Connection* c) {
  // Room for the rest of a large frame at once, so it is never moved.
  c->input.EnsureWritable(
      std::max<size_t>(decoder_.BytesMissing(c->input), 4096));
  int saved_errno = 0;
  const ssize_t n = c->input.ReadFromFd(c->fd.get(), &saved_errno);
  if (n == 0) return false;
  if (n < 0) return saved_errno == EAGAIN || saved_errno == EWOULDBLOCK;
  while (true) {
    absl::StatusOr<absl::optional<Frame>> frame = decoder_.Next(c->input);
    if (!frame.ok()) {
      std::fprintf(stderr, "%s\n", frame.status().ToString().c_str());
      return false;
    }
    if (!frame->has_value()) return true;
    absl::Status handled = c->echo.Handle((*frame)->body);
    if (!handled.ok()) {
      std::fprintf(stderr, "%s\n", handled.ToString().c_str());
      return false;
    }
    const size_t size = c->echo.reply_frame_size();
    c->output.EnsureWritable(size);
    c->echo.WriteReplyFrame(c->output.BeginWrite());
    c->output.HasWritten(size);
    c->input.Retrieve((*frame)->frame_size);
  }
}

bool PollrefLoop::Flush(Connection* c) {
  while (!c->output.empty()) {
    const ssize_t n = ::send(c->fd.get(), c->output.peek(),
                             c->output.readable_bytes(), MSG_NOSIGNAL);
    if (n > 0) {
      c->output.Retrieve(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    return false;
  }
  return true;
}

short PollrefLoop::EventsFor(const Connection& c) {
  short events = 0;
  if (c.output.readable_bytes() <= kMaxQueuedOutput) events |= POLLIN;
  if (!c.output.empty()) events |= POLLOUT;
  return events;
}

}  // namespace bench
}  // namespace framerpc
