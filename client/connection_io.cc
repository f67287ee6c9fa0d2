#include "client/connection_io.h"

#include <errno.h>
#include <sys/socket.h>

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "base/posix_error.h"

namespace framerpc {
namespace internal {
namespace {

// The errno a failed TLS call reports; its words are kept apart.
constexpr int kTlsFailed = EPROTO;

// One TLS record's plaintext at most: room enough for one SSL_read to
// take a whole record.
constexpr size_t kRecordPlaintext = 16 * 1024;

// Plaintext one Receive takes at most before it returns, so a flood of
// input cannot keep the reader from dispatching what it has; the rest
// stays inside TLS (has_buffered_input()).
constexpr size_t kMaxReceive = 1024 * 1024;

}  // namespace

ConnectionIo::ConnectionIo(int fd, std::unique_ptr<TlsStream> tls,
                           std::shared_ptr<TlsSessionCache> sessions)
    : fd_(fd),
      tls_(std::move(tls)),
      sessions_(std::move(sessions)),
      presents_certificate_(tls_ != nullptr && tls_->has_own_certificate()) {}

ssize_t ConnectionIo::Send(const char* data, size_t size, int* error) {
  if (tls_ == nullptr) {
    const ssize_t n = ::send(fd_, data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) *error = errno;
    return n;
  }
  std::lock_guard<std::mutex> lock(tls_mu_);
  if (!tls_failure_.empty()) {
    *error = kTlsFailed;
    return -1;
  }
  absl::StatusOr<TlsStream::Io> io = tls_->Write(data, size);
  if (!io.ok()) {
    KeepTlsFailureLocked(io.status());
    *error = kTlsFailed;
    return -1;
  }
  if (io->want != TlsStream::Want::kNothing) {
    // OpenSSL encrypts a record before it writes it: what the socket did
    // not take waits inside TLS for the same bytes to be offered again.
    record_pending_ = true;
    *error = EAGAIN;
    return -1;
  }
  record_pending_ = false;
  return static_cast<ssize_t>(io->bytes);
}

absl::Status ConnectionIo::SendFailure(absl::string_view what,
                                       int error) const {
  if (tls_ != nullptr && error == kTlsFailed) {
    std::lock_guard<std::mutex> lock(tls_mu_);
    if (!tls_failure_.empty()) {
      return ExplainEarlyEnd(
          absl::UnavailableError(absl::StrCat(what, ": ", tls_failure_)));
    }
  }
  return ExplainEarlyEnd(
      absl::UnavailableError(PosixError(what, error).message()));
}

absl::Status ConnectionIo::ExplainEarlyEnd(absl::Status ended) const {
  if (received_any_.load(std::memory_order_relaxed) ||
      (tls_ != nullptr && presents_certificate_) ||
      absl::StrContains(ended.message(), "client certificate")) {
    return ended;
  }
  return absl::UnavailableError(absl::StrCat(
      ended.message(),
      tls_ != nullptr
          ? " (nothing was received on this connection: if the server "
            "requires a client certificate, set "
            "ChannelOptions::tls.cert_chain_file and private_key_file)"
          : " (nothing was received on this connection: if the server "
            "expects TLS, set ChannelOptions::tls)"));
}

ssize_t ConnectionIo::Receive(Buffer& input, int* error) {
  if (tls_ == nullptr) {
    const ssize_t n = input.ReadFromFd(fd_, error);
    if (n > 0) received_any_.store(true, std::memory_order_relaxed);
    return n;
  }
  std::lock_guard<std::mutex> lock(tls_mu_);
  if (!tls_failure_.empty()) {
    *error = kTlsFailed;
    return -1;
  }
  size_t total = 0;
  bool ended = false;
  while (total < kMaxReceive) {
    input.EnsureWritable(kRecordPlaintext);
    absl::StatusOr<TlsStream::Io> io =
        tls_->Read(input.BeginWrite(), input.writable_bytes());
    if (!io.ok()) {
      // Bytes that came before the failure are delivered first; the next
      // Receive reports it.
      KeepTlsFailureLocked(io.status());
      break;
    }
    if (io->end_of_stream) {
      ended = true;
      break;
    }
    if (io->bytes == 0) break;  // nothing more for now
    input.HasWritten(io->bytes);
    total += io->bytes;
  }
  // TLS 1.3 servers send their session tickets after the handshake.
  sessions_->Put(tls_->TakeSession());
  if (total > 0) {
    received_any_.store(true, std::memory_order_relaxed);
    return static_cast<ssize_t>(total);
  }
  if (ended) return 0;
  *error = tls_failure_.empty() ? EAGAIN : kTlsFailed;
  return -1;
}

absl::Status ConnectionIo::ReceiveFailure(absl::string_view what,
                                          int error) const {
  return SendFailure(what, error);
}

bool ConnectionIo::holds_unsent_record() const {
  if (tls_ == nullptr) return false;
  std::lock_guard<std::mutex> lock(tls_mu_);
  return record_pending_;
}

bool ConnectionIo::has_buffered_input() const {
  if (tls_ == nullptr) return false;
  std::lock_guard<std::mutex> lock(tls_mu_);
  return tls_failure_.empty() && tls_->buffered_plaintext() > 0;
}

void ConnectionIo::KeepTlsFailureLocked(const absl::Status& failure) {
  tls_failure_ = std::string(failure.message());
}

}  // namespace internal
}  // namespace framerpc
