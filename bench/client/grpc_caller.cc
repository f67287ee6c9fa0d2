#include "bench/client/grpc_caller.h"

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "bench/common/blocking_frames.h"
#include "echo.grpc.pb.h"

namespace framerpc {
namespace bench {
namespace {

// `pem_roots` empty: plaintext; else TLS trusting those CAs.
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target,
                                          bool own_connection,
                                          const std::string& pem_roots) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(static_cast<int>(kBenchMaxBodySize));
  args.SetMaxSendMessageSize(static_cast<int>(kBenchMaxBodySize));
  // gRPC shares a connection between channels to one target unless asked.
  if (own_connection) args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!pem_roots.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem_roots;
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateCustomChannel(target, credentials, args);
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
  GrpcCallerFactory(std::string target, bool channel_per_thread,
                    std::string pem_roots)
      : target_(std::move(target)),
        channel_per_thread_(channel_per_thread),
        pem_roots_(std::move(pem_roots)) {
    if (!channel_per_thread_) shared_ = NewChannel(target_, false, pem_roots_);
  }

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    std::shared_ptr<grpc::Channel> channel =
        channel_per_thread_ ? NewChannel(target_, true, pem_roots_) : shared_;
    return std::make_unique<GrpcCaller>(
        std::move(channel), MakePayload(payload_size, thread_index));
  }

 private:
  const std::string target_;
  const bool channel_per_thread_;
  const std::string pem_roots_;
  std::shared_ptr<grpc::Channel> shared_;
};

}  // namespace

std::unique_ptr<CallerFactory> NewGrpcCallerFactory(std::string target,
                                                    bool channel_per_thread,
                                                    const std::string& tls_ca) {
  std::string pem_roots;
  if (!tls_ca.empty()) {
    std::ifstream in(tls_ca, std::ios::binary);
    std::stringstream contents;
    contents << in.rdbuf();
    pem_roots = contents.str();
  }
  return std::make_unique<GrpcCallerFactory>(
      std::move(target), channel_per_thread, std::move(pem_roots));
}

}  // namespace bench
}  // namespace framerpc
