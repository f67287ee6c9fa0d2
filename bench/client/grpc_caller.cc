#include "bench/client/grpc_caller.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "bench/common/blocking_frames.h"
#include "echo.grpc.pb.h"

namespace framerpc {
namespace bench {
namespace {

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target,
                                          bool own_connection) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(kBenchMaxBodySize));
  args.SetMaxSendMessageSize(static_cast<int>(kBenchMaxBodySize));
  // gRPC shares a connection between channels to one target unless asked.
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

class GrpcCaller final : public EchoCaller {
 public:
  GrpcCaller(std::shared_ptr<grpc::Channel> channel, std::string payload)
      : stub_(grpc_gen::EchoService::NewStub(std::move(channel))) {
    request_.set_payload(std::move(payload));
  }

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, request_.mutable_payload());
    grpc::ClientContext context;
    grpc::Status status = stub_->Echo(&context, request_, &reply_);
    if (!status.ok()) {
      return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                          absl::StrCat("grpc Echo: ", status.error_message()));
    }
    *matches = reply_.payload() == request_.payload();
    return absl::OkStatus();
  }

 private:
  std::unique_ptr<grpc_gen::EchoService::Stub> stub_;
  EchoRequest request_;
  EchoReply reply_;
};

class GrpcCallerFactory final : public CallerFactory {
 public:
  GrpcCallerFactory(std::string target, bool channel_per_thread)
      : target_(std::move(target)), channel_per_thread_(channel_per_thread) {
    if (!channel_per_thread_) shared_ = NewChannel(target_, false);
  }

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    std::shared_ptr<grpc::Channel> channel =
        channel_per_thread_ ? NewChannel(target_, true) : shared_;
    return std::make_unique<GrpcCaller>(
        std::move(channel), MakePayload(payload_size, thread_index));
  }

 private:
  const std::string target_;
  const bool channel_per_thread_;
  std::shared_ptr<grpc::Channel> shared_;
};

}  // namespace

std::unique_ptr<CallerFactory> NewGrpcCallerFactory(std::string target,
                                                    bool channel_per_thread) {
  return std::make_unique<GrpcCallerFactory>(std::move(target),
                                             channel_per_thread);
}

}  // namespace bench
}  // namespace framerpc
