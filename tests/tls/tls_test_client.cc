#include "tests/tls/tls_test_client.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "framing/frame_decoder.h"
#include "framing/frame_format.h"

namespace framerpc {
namespace test {
namespace {

using internal::TlsStream;

short EventsFor(TlsStream::Want want) {
  return want == TlsStream::Want::kWrite ? POLLOUT : POLLIN;
}

}  // namespace

absl::Status WaitReady(int fd, short events, absl::Time deadline) {
  while (true) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError("socket not ready before the deadline");
    }
    pollfd entry{fd, events, 0};
    const int timeout_ms = static_cast<int>(
        std::min<int64_t>(absl::ToInt64Milliseconds(left) + 1, 60000));
    const int n = ::poll(&entry, 1, timeout_ms);
    if (n > 0) return absl::OkStatus();
    if (n < 0 && errno != EINTR) {
      return absl::InternalError(absl::StrCat("poll: errno ", errno));
    }
  }
}

bool WaitForClose(int fd, absl::Time deadline) {
  char scratch[4096];
  while (WaitReady(fd, POLLIN, deadline).ok()) {
    const ssize_t n = ::read(fd, scratch, sizeof(scratch));
    if (n == 0) return true;
    if (n < 0 && errno != EAGAIN && errno != EINTR) return true;  // reset
  }
  return false;
}

absl::StatusOr<std::unique_ptr<TlsTestClient>> TlsTestClient::Connect(
    const std::string& address, const TlsTestClientOptions& options,
    absl::Time deadline) {
  internal::TlsClientFiles files;
  files.ca_file = options.ca_file;
  files.cert_chain_file = options.cert_file;
  files.private_key_file = options.key_file;
  absl::StatusOr<std::shared_ptr<internal::TlsContext>> context =
      internal::TlsContext::ForClient(files);
  if (!context.ok()) return context.status();
  absl::StatusOr<RawClient> raw = RawClient::Connect(address);
  if (!raw.ok()) return raw.status();
  absl::StatusOr<std::unique_ptr<TlsStream>> stream = TlsStream::ForClient(
      *context, raw->fd(), options.server_name, nullptr, address);
  if (!stream.ok()) return stream.status();
  std::unique_ptr<TlsTestClient> client(
      new TlsTestClient(*std::move(raw), *std::move(stream)));
  while (true) {
    TlsStream::Want want = TlsStream::Want::kNothing;
    absl::Status stepped = client->stream_->Handshake(&want);
    if (!stepped.ok()) return stepped;
    if (want == TlsStream::Want::kNothing) return client;
    absl::Status ready =
        WaitReady(client->raw_.fd(), EventsFor(want), deadline);
    if (!ready.ok()) return ready;
  }
}

absl::Status TlsTestClient::Send(absl::string_view bytes,
                                 absl::Time deadline) {
  while (!bytes.empty()) {
    absl::StatusOr<TlsStream::Io> io =
        stream_->Write(bytes.data(), bytes.size());
    if (!io.ok()) return io.status();
    if (io->bytes > 0) {
      bytes.remove_prefix(io->bytes);
      continue;
    }
    absl::Status ready = WaitReady(raw_.fd(), EventsFor(io->want), deadline);
    if (!ready.ok()) return ready;
  }
  return absl::OkStatus();
}

absl::Status TlsTestClient::ReadSome(std::string* out, absl::Time deadline) {
  char chunk[16384];
  while (true) {
    absl::StatusOr<TlsStream::Io> io = stream_->Read(chunk, sizeof(chunk));
    if (!io.ok()) return io.status();
    if (io->end_of_stream) {
      return absl::UnavailableError("the server closed the connection");
    }
    if (io->bytes > 0) {
      out->append(chunk, io->bytes);
      return absl::OkStatus();
    }
    absl::Status ready = WaitReady(raw_.fd(), EventsFor(io->want), deadline);
    if (!ready.ok()) return ready;
  }
}

absl::StatusOr<RawResponse> TlsTestClient::Call(
    uint64_t call_id, absl::string_view method,
    const google::protobuf::Message& request, absl::Time deadline) {
  absl::Status sent =
      Send(EncodeRequest(call_id, method, request.SerializeAsString()),
           deadline);
  if (!sent.ok()) return sent;
  return ReadResponse(deadline);
}

absl::StatusOr<RawResponse> TlsTestClient::ReadResponse(absl::Time deadline) {
  while (input_.size() < kFrameHeaderSize) {
    absl::Status read = ReadSome(&input_, deadline);
    if (!read.ok()) return read;
  }
  const size_t body_size = DecodeFrameLength(input_.data());
  while (input_.size() < kFrameHeaderSize + body_size) {
    absl::Status read = ReadSome(&input_, deadline);
    if (!read.ok()) return read;
  }
  RawResponse response;
  const bool parsed = response.header.ParseFromArray(
      input_.data() + kFrameHeaderSize, static_cast<int>(body_size));
  input_.erase(0, kFrameHeaderSize + body_size);
  if (!parsed) {
    return absl::InvalidArgumentError(absl::StrCat(
        "parse a ", body_size, "-byte frame body as a Response"));
  }
  response.payload = std::move(*response.header.mutable_payload());
  response.header.clear_payload();
  return response;
}

std::string TlsTestClient::ServerSubject() const {
  const std::string identity = stream_->PeerIdentity();
  const size_t start = identity.find('=') + 1;
  return identity.substr(start, identity.find("; san=") - start);
}

}  // namespace test
}  // namespace framerpc
