#include "tests/client/fake_server.h"

#include <errno.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/posix_error.h"
#include "framing/frame_format.h"
#include "gtest/gtest.h"
#include "rpc/address.h"
#include "tests/support/frame_io.h"

namespace framerpc {
namespace testing_support {
namespace {

int PollTimeout(absl::Time deadline) {
  const absl::Duration left = deadline - absl::Now();
  if (left <= absl::ZeroDuration()) return 0;
  return static_cast<int>(
      absl::ToInt64Milliseconds(left + absl::Microseconds(999)));
}

}  // namespace

void Event::Notify() {
  std::lock_guard<std::mutex> lock(mu_);
  notified_ = true;
  cv_.notify_all();
}

bool Event::WaitFor(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                      [this] { return notified_; });
}

bool Event::HasBeenNotified() {
  std::lock_guard<std::mutex> lock(mu_);
  return notified_;
}

// ---------------------------------------------------------------- connection

FakeConnection::FakeConnection(FakeServer* server, UniqueFd fd, int index)
    : server_(server), index_(index), fd_(std::move(fd)) {}

FakeConnection::~FakeConnection() { Close(); }

FakeConnection::FillResult FakeConnection::Fill(absl::Time deadline) {
  while (true) {
    pollfd p{fd_.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, PollTimeout(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (absl::Now() < deadline) continue;
      return FillResult::kTimeout;
    }
    int error_number = 0;
    const ssize_t n = input_.ReadFromFd(fd_.get(), &error_number);
    if (n > 0) return FillResult::kData;
    if (n < 0 && (error_number == EAGAIN || error_number == EWOULDBLOCK))
      continue;
    // End of stream, a reset, or our own shutdown at the end of the test.
    return FillResult::kEndOfStream;
  }
}

absl::optional<ReceivedRequest> FakeConnection::DecodeBuffered() {
  absl::StatusOr<absl::optional<Frame>> next = decoder_.Next(input_);
  if (!next.ok()) {
    ADD_FAILURE() << "fake server: " << next.status();
    return absl::nullopt;
  }
  if (!next->has_value()) return absl::nullopt;
  // Plain protobuf, so that the client is tested against a decoder of its
  // own (docs/protocol.md: both forms read the same bytes).
  ReceivedRequest request;
  EXPECT_TRUE(request.header.ParseFromArray(
      (*next)->body.data(), static_cast<int>((*next)->body.size())))
      << "fake server: a " << (*next)->body.size()
      << "-byte frame body is not a Request";
  request.payload = std::move(*request.header.mutable_payload());
  request.header.clear_payload();
  input_.Retrieve((*next)->frame_size);
  return request;
}

absl::optional<ReceivedRequest> FakeConnection::Read() {
  if (!fd_.valid()) return absl::nullopt;
  const absl::Time deadline = absl::Now() + kScriptTimeout;
  while (true) {
    if (absl::optional<ReceivedRequest> request = DecodeBuffered())
      return request;
    switch (Fill(deadline)) {
      case FillResult::kData:
        break;
      case FillResult::kEndOfStream:
        return absl::nullopt;
      case FillResult::kTimeout:
        ADD_FAILURE() << "fake server: no request within " << kScriptTimeout;
        return absl::nullopt;
    }
  }
}

std::vector<ReceivedRequest> FakeConnection::ReadBatch() {
  std::vector<ReceivedRequest> batch;
  absl::optional<ReceivedRequest> first = Read();
  if (!first) return batch;
  batch.push_back(*std::move(first));
  // Drain what the socket already holds, without waiting.
  while (true) {
    pollfd p{fd_.get(), POLLIN, 0};
    if (::poll(&p, 1, 0) <= 0) break;
    int error_number = 0;
    if (input_.ReadFromFd(fd_.get(), &error_number) <= 0) break;
  }
  while (absl::optional<ReceivedRequest> more = DecodeBuffered()) {
    batch.push_back(*std::move(more));
  }
  return batch;
}

bool FakeConnection::Send(const wire::Response& response) {
  const std::string body = response.SerializeAsString();
  std::string frame(kFrameHeaderSize, '\0');
  EncodeFrameLength(static_cast<uint32_t>(body.size()), frame.data());
  return WriteRaw(frame + body);
}

bool FakeConnection::Reply(uint64_t call_id,
                           const google::protobuf::MessageLite& reply,
                           const Metadata& metadata) {
  wire::Response response;
  response.set_call_id(call_id);
  for (const auto& [key, value] : metadata)
    (*response.mutable_metadata())[key] = value;
  response.set_payload(reply.SerializeAsString());
  return Send(response);
}

bool FakeConnection::ReplyStatus(uint64_t call_id, int code,
                                 absl::string_view message) {
  wire::Response response;
  response.set_call_id(call_id);
  response.set_code(code);
  response.set_message(std::string(message));
  return Send(response);
}

bool FakeConnection::ReplyNotProcessed(uint64_t call_id) {
  wire::Response response;
  response.set_call_id(call_id);
  response.set_code(static_cast<int>(absl::StatusCode::kUnavailable));
  response.set_message("fake server: not processed");
  response.set_not_processed(true);
  return Send(response);
}

bool FakeConnection::SendDrainNotice() {
  wire::Response notice;
  notice.set_draining(true);
  return Send(notice);
}

bool FakeConnection::WriteRaw(absl::string_view bytes) {
  // A client that gave up may have closed already: not a test failure.
  return WriteAll(fd_.get(), bytes, absl::Now() + kScriptTimeout).ok();
}

void FakeConnection::Close() {
  std::lock_guard<std::mutex> lock(server_->mu_);
  fd_.Reset();
}

void FakeConnection::Reset() {
  std::lock_guard<std::mutex> lock(server_->mu_);
  if (!fd_.valid()) return;
  const linger reset{1, 0};
  EXPECT_EQ(::setsockopt(fd_.get(), SOL_SOCKET, SO_LINGER, &reset,
                         sizeof(reset)),
            0);
  fd_.Reset();
}

bool FakeConnection::WaitForClientClose(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    switch (Fill(deadline)) {
      case FillResult::kData:
        input_.RetrieveAll();
        break;
      case FillResult::kEndOfStream:
        return true;
      case FillResult::kTimeout:
        return false;
    }
  }
}

bool FakeConnection::WaitForUnreadBytes(size_t bytes, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    int unread = 0;
    if (::ioctl(fd_.get(), FIONREAD, &unread) != 0) return false;
    if (static_cast<size_t>(unread) >= bytes) return true;
    absl::SleepFor(absl::Milliseconds(1));
  }
  return false;
}

// -------------------------------------------------------------------- server

absl::StatusOr<std::unique_ptr<FakeServer>> FakeServer::Start(
    absl::string_view address_text, Script script) {
  absl::StatusOr<Address> address = ParseAddress(address_text);
  if (!address.ok()) return address.status();
  absl::StatusOr<std::vector<ResolvedAddress>> resolved = Resolve(*address);
  if (!resolved.ok()) return resolved.status();
  const ResolvedAddress& where = resolved->front();
  UniqueFd listener(
      ::socket(where.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listener.valid()) return PosixError("fake server: socket", errno);
  if (address->kind == Address::Kind::kUnix) {
    ::unlink(address->path.c_str());
  } else {
    const int on = 1;
    ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
  }
  if (::bind(listener.get(), reinterpret_cast<const sockaddr*>(&where.storage),
             where.length) != 0) {
    return PosixError(absl::StrCat("fake server: bind ", address_text), errno);
  }
  if (::listen(listener.get(), 64) != 0) {
    return PosixError("fake server: listen", errno);
  }
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&bound), &length);
  std::string name =
      address->kind == Address::Kind::kUnix
          ? address->ToString()
          : SockaddrToString(reinterpret_cast<sockaddr*>(&bound), length);
  std::string unix_path =
      address->kind == Address::Kind::kUnix ? address->path : std::string();
  return std::unique_ptr<FakeServer>(
      new FakeServer(std::move(listener), std::move(name), std::move(unix_path),
                     std::move(script)));
}

FakeServer::FakeServer(UniqueFd listener, std::string address,
                       std::string unix_path, Script script)
    : listener_(std::move(listener)),
      address_(std::move(address)),
      unix_path_(std::move(unix_path)),
      script_(std::move(script)),
      wakeup_(::eventfd(0, EFD_CLOEXEC)) {
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FakeServer::~FakeServer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    for (FakeConnection* connection : open_) {
      if (connection->fd_.valid()) ::shutdown(connection->fd_.get(), SHUT_RDWR);
    }
  }
  const uint64_t one = 1;
  EXPECT_EQ(::write(wakeup_.get(), &one, sizeof(one)),
            static_cast<ssize_t>(sizeof(one)));
  acceptor_.join();
  // No thread is added once the acceptor has stopped.
  for (std::thread& thread : scripts_) thread.join();
  if (!unix_path_.empty()) ::unlink(unix_path_.c_str());
}

int FakeServer::connections_accepted() {
  std::lock_guard<std::mutex> lock(mu_);
  return accepted_;
}

void FakeServer::AcceptLoop() {
  while (true) {
    pollfd p[2] = {{listener_.get(), POLLIN, 0}, {wakeup_.get(), POLLIN, 0}};
    if (::poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      ADD_FAILURE() << PosixError("fake server: poll", errno);
      return;
    }
    if (p[1].revents != 0) return;
    UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr,
                          SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) continue;  // EAGAIN, or a client that already left
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    auto connection =
        std::make_unique<FakeConnection>(this, std::move(fd), accepted_++);
    open_.push_back(connection.get());
    scripts_.emplace_back([this, connection = std::move(connection)]() mutable {
      script_(*connection);
      {
        std::lock_guard<std::mutex> lock(mu_);
        open_.erase(std::find(open_.begin(), open_.end(), connection.get()));
      }
      connection.reset();
    });
  }
}

}  // namespace testing_support
}  // namespace framerpc
