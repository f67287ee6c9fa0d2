#include "server/tls_transport.h"

#include <errno.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "rpc/log.h"

namespace framerpc {
namespace internal {
namespace {

// What ReadInto takes at least before it lets the loop look at other
// connections, as Buffer::ReadFromFd's stack spill area does.
constexpr size_t kReadBudget = size_t{64} << 10;
// Room made in the input per TLS record at most (a record's plaintext is
// at most 16 KiB).
constexpr size_t kRecordRoom = size_t{16} << 10;

// deferred_end_ values.
constexpr int kNoDeferredEnd = 1;
constexpr int kDeferredEndOfStream = 0;
constexpr int kDeferredFailure = -1;

void LogTlsFailure(const absl::Status& status) {
  LogPeerProvoked(LogSeverity::kWarning,
                  absl::StrCat("close the TLS connection: ", status.message()));
}

}  // namespace

TlsTransport::TlsTransport(std::unique_ptr<TlsStream> stream)
    : stream_(std::move(stream)),
      // Application data that came with the handshake's last records.
      buffered_input_(stream_->buffered_plaintext() > 0),
      peer_identity_(stream_->PeerIdentity()) {}

ssize_t TlsTransport::ReadInto(Buffer* input, size_t reserve,
                               int* saved_errno) {
  std::lock_guard<std::mutex> lock(mu_);
  if (deferred_end_ != kNoDeferredEnd) {
    buffered_input_.store(false, std::memory_order_release);
    if (deferred_end_ == kDeferredEndOfStream) return 0;
    *saved_errno = ECONNRESET;
    return -1;
  }
  if (stream_ == nullptr) {
    *saved_errno = EBADF;
    return -1;
  }
  input->EnsureWritable(std::max(reserve, kRecordRoom));
  const size_t budget = std::max(reserve, kReadBudget);
  size_t total = 0;
  int end = kNoDeferredEnd;
  bool would_block = false;
  while (total < budget) {
    if (input->writable_bytes() == 0) input->EnsureWritable(kRecordRoom);
    absl::StatusOr<TlsStream::Io> io =
        stream_->Read(input->BeginWrite(), input->writable_bytes());
    if (!io.ok()) {
      LogTlsFailure(io.status());
      end = kDeferredFailure;
      break;
    }
    if (io->end_of_stream) {
      end = kDeferredEndOfStream;
      break;
    }
    if (io->bytes == 0) {
      // Waiting to read, usually. Waiting to write (rare: an alert or a
      // TLS 1.3 KeyUpdate answer the full socket had no room for) is left
      // to the next read or send, which retry it; renegotiation, which
      // would make reads write whole handshakes, is refused
      // (tls_context.cc).
      would_block = true;
      break;
    }
    input->HasWritten(io->bytes);
    total += io->bytes;
  }
  if (total > 0) {
    deferred_end_ = end;
    buffered_input_.store(
        end != kNoDeferredEnd || stream_->buffered_plaintext() > 0,
        std::memory_order_release);
    return static_cast<ssize_t>(total);
  }
  buffered_input_.store(false, std::memory_order_release);
  if (end == kDeferredEndOfStream) return 0;
  *saved_errno = would_block ? EAGAIN : ECONNRESET;
  return -1;
}

ssize_t TlsTransport::Writev(const iovec* iov, int count, int* saved_errno) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stream_ == nullptr) {
    *saved_errno = EPIPE;
    return -1;
  }
  size_t total = 0;
  for (int i = 0; i < count; ++i) {
    const char* data = static_cast<const char*>(iov[i].iov_base);
    size_t offset = 0;
    while (offset < iov[i].iov_len) {
      absl::StatusOr<TlsStream::Io> io =
          stream_->Write(data + offset, iov[i].iov_len - offset);
      if (!io.ok()) {
        LogTlsFailure(io.status());
        // What went before is counted; the next call fails at once.
        if (total > 0) return static_cast<ssize_t>(total);
        *saved_errno = EPIPE;
        return -1;
      }
      if (io->bytes == 0) {  // the socket is full (or TLS waits to read)
        if (total > 0) return static_cast<ssize_t>(total);
        *saved_errno = EAGAIN;
        return -1;
      }
      offset += io->bytes;
      total += io->bytes;
    }
  }
  return static_cast<ssize_t>(total);
}

void TlsTransport::Close() {
  std::lock_guard<std::mutex> lock(mu_);
  stream_.reset();
  buffered_input_.store(false, std::memory_order_release);
}

}  // namespace internal
}  // namespace framerpc
