#include "bench/client/raw_callers.h"

#include "absl/strings/str_cat.h"
#include "bench/common/blocking_frames.h"
#include "bench/common/protobuf_echo.h"
#include "bench/common/sockets.h"
#include "echo.pb.h"

namespace framerpc {
namespace bench {
namespace {

// Reads the reply frame; UNAVAILABLE when the server closed instead.
absl::StatusOr<absl::string_view> ReadReply(int fd,
                                            BlockingFrameReader* reader) {
  absl::StatusOr<absl::optional<absl::string_view>> body = reader->Next(fd);
  if (!body.ok()) return body.status();
  if (!body->has_value()) {
    return absl::UnavailableError("read reply: server closed the connection");
  }
  return **body;
}

class RawCaller final : public EchoCaller {
 public:
  RawCaller(UniqueFd fd, std::string payload)
      : fd_(std::move(fd)), payload_(std::move(payload)) {}

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, &payload_);
    absl::Status sent = SendFrame(fd_.get(), payload_);
    if (!sent.ok()) return sent;
    absl::StatusOr<absl::string_view> reply = ReadReply(fd_.get(), &reader_);
    if (!reply.ok()) return reply.status();
    *matches = *reply == payload_;
    return absl::OkStatus();
  }

 private:
  UniqueFd fd_;
  std::string payload_;
  BlockingFrameReader reader_;
};

class ProtobufCaller final : public EchoCaller {
 public:
  ProtobufCaller(UniqueFd fd, std::string payload) : fd_(std::move(fd)) {
    request_.set_payload(std::move(payload));
  }

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, request_.mutable_payload());
    SerializeFrame(request_, &frame_);
    absl::Status sent = SendBytes(fd_.get(), frame_);
    if (!sent.ok()) return sent;
    absl::StatusOr<absl::string_view> body = ReadReply(fd_.get(), &reader_);
    if (!body.ok()) return body.status();
    if (!reply_.ParseFromArray(body->data(), static_cast<int>(body->size()))) {
      return absl::InternalError(
          absl::StrCat("parse EchoReply from a ", body->size(), "-byte frame"));
    }
    *matches = reply_.payload() == request_.payload();
    return absl::OkStatus();
  }

 private:
  UniqueFd fd_;
  EchoRequest request_;
  EchoReply reply_;
  std::string frame_;
  BlockingFrameReader reader_;
};

class RawCallerFactory final : public CallerFactory {
 public:
  RawCallerFactory(std::string target, bool protobuf)
      : target_(std::move(target)), protobuf_(protobuf) {}

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    absl::StatusOr<UniqueFd> fd = ConnectTo(target_);
    if (!fd.ok()) return fd.status();
    std::string payload = MakePayload(payload_size, thread_index);
    if (protobuf_) {
      return std::make_unique<ProtobufCaller>(*std::move(fd),
                                              std::move(payload));
    }
    return std::make_unique<RawCaller>(*std::move(fd), std::move(payload));
  }

 private:
  const std::string target_;
  const bool protobuf_;
};

}  // namespace

std::unique_ptr<CallerFactory> NewRawCallerFactory(std::string target,
                                                   bool protobuf) {
  return std::make_unique<RawCallerFactory>(std::move(target), protobuf);
}

}  // namespace bench
}  // namespace framerpc
