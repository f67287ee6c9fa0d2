#include "bench/client/framerpc_caller.h"

#include "absl/strings/str_cat.h"
#include "bench/common/blocking_frames.h"
#include "echo.framerpc.h"
#include "framerpc/channel.h"

namespace framerpc {
namespace bench {
namespace {

absl::StatusOr<std::shared_ptr<Channel>> NewChannel(
    const std::string& target, int max_connections,
    LoadBalancing load_balancing, const std::string& tls_ca) {
  ChannelOptions options;
  options.max_frame_size = kBenchMaxBodySize;
  options.max_connections = max_connections;
  options.load_balancing = load_balancing;
  options.tls.enabled = !tls_ca.empty();
  options.tls.ca_file = tls_ca;
  return Channel::Create(target, options);
}

class FramerpcCaller final : public EchoCaller {
 public:
  FramerpcCaller(std::shared_ptr<Channel> channel, std::string payload)
      : stub_(std::move(channel)) {
    request_.set_payload(std::move(payload));
  }

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, request_.mutable_payload());
    absl::Status status = stub_.Echo(nullptr, request_, &reply_);
    if (!status.ok()) return status;
    *matches = reply_.payload() == request_.payload();
    return absl::OkStatus();
  }

 private:
  EchoService::Stub stub_;
  EchoRequest request_;
  EchoReply reply_;
};

class FramerpcCallerFactory final : public CallerFactory {
 public:
  FramerpcCallerFactory(std::string target, LoadBalancing load_balancing,
                        std::string tls_ca, std::shared_ptr<Channel> shared)
      : target_(std::move(target)),
        load_balancing_(load_balancing),
        tls_ca_(std::move(tls_ca)),
        shared_(std::move(shared)) {}

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    std::shared_ptr<Channel> channel = shared_;
    if (channel == nullptr) {
      absl::StatusOr<std::shared_ptr<Channel>> own =
          NewChannel(target_, 1, load_balancing_, tls_ca_);
      if (!own.ok()) return own.status();
      channel = *std::move(own);
    }
    return std::make_unique<FramerpcCaller>(
        std::move(channel), MakePayload(payload_size, thread_index));
  }

 private:
  const std::string target_;
  const LoadBalancing load_balancing_;
  const std::string tls_ca_;
  const std::shared_ptr<Channel> shared_;  // null: a channel per caller
};

}  // namespace

absl::StatusOr<LoadBalancing> ParseLoadBalancing(absl::string_view name) {
  for (LoadBalancing policy :
       {LoadBalancing::kPickFirst, LoadBalancing::kRoundRobin,
        LoadBalancing::kLeastLoaded}) {
    if (name == LoadBalancingName(policy)) return policy;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown load balancing policy '", name,
                   "' (pick_first, round_robin or least_loaded)"));
}

const char* LoadBalancingName(LoadBalancing policy) {
  switch (policy) {
    case LoadBalancing::kPickFirst:
      return "pick_first";
    case LoadBalancing::kRoundRobin:
      return "round_robin";
    case LoadBalancing::kLeastLoaded:
      break;
  }
  return "least_loaded";
}

absl::StatusOr<std::unique_ptr<CallerFactory>> NewFramerpcCallerFactory(
    std::string target, bool channel_per_thread, int max_connections,
    LoadBalancing load_balancing, const std::string& tls_ca) {
  // Made even when each thread gets its own, to check the target up front.
  absl::StatusOr<std::shared_ptr<Channel>> channel =
      NewChannel(target, max_connections, load_balancing, tls_ca);
  if (!channel.ok()) return channel.status();
  std::shared_ptr<Channel> shared;
  if (!channel_per_thread) shared = *std::move(channel);
  return std::make_unique<FramerpcCallerFactory>(
      std::move(target), load_balancing, tls_ca, std::move(shared));
}

}  // namespace bench
}  // namespace framerpc
