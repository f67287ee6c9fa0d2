// The capnp system's callers; see capnp_caller.h. A caller is used by one
// load thread only.
#include "bench/client/capnp_caller.h"

#include <capnp/ez-rpc.h>

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "bench/common/sockets.h"
#include "echo.capnp.h"

namespace framerpc {
namespace bench {
namespace {

class CapnpCaller final : public EchoCaller {
 public:
  CapnpCaller(std::string target, std::string payload)
      : target_(std::move(target)), payload_(std::move(payload)) {}

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, &payload_);
    // KJ reports a failed connect or call by throwing; here it becomes the
    // call's status.
    try {
      if (client_ == nullptr) {
        // Our socket, for the TCP_NODELAY every system's client sets; KJ
        // borrows it.
        absl::StatusOr<UniqueFd> fd = ConnectTo(target_);
        if (!fd.ok()) return fd.status();
        fd_ = *std::move(fd);
        client_ = std::make_unique<capnp::EzRpcClient>(fd_.get());
        echo_.emplace(client_->getMain<capnp_gen::EchoService>());
      }
      auto request = echo_->echoRequest();
      request.setPayload(capnp::Data::Reader(
          reinterpret_cast<const kj::byte*>(payload_.data()), payload_.size()));
      auto response = request.send().wait(client_->getWaitScope());
      const capnp::Data::Reader reply = response.getPayload();
      *matches = reply.size() == payload_.size() &&
                 std::memcmp(reply.begin(), payload_.data(), reply.size()) == 0;
      return absl::OkStatus();
    } catch (const kj::Exception& e) {
      return absl::UnavailableError(absl::StrCat(
          "capnp echo to ", target_, ": ", e.getDescription().cStr()));
    }
  }

  void FinishOnThread() override {
    echo_.reset();  // a capability must go before its connection
    client_.reset();
    fd_.Reset();
  }

 private:
  const std::string target_;
  std::string payload_;
  UniqueFd fd_;  // outlives client_, which borrows it
  std::unique_ptr<capnp::EzRpcClient> client_;
  absl::optional<capnp_gen::EchoService::Client> echo_;
};

class CapnpCallerFactory final : public CallerFactory {
 public:
  explicit CapnpCallerFactory(std::string target)
      : target_(std::move(target)) {}

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    return std::make_unique<CapnpCaller>(
        target_, MakePayload(payload_size, thread_index));
  }

 private:
  const std::string target_;
};

}  // namespace

std::unique_ptr<CallerFactory> NewCapnpCallerFactory(std::string target) {
  return std::make_unique<CapnpCallerFactory>(std::move(target));
}

}  // namespace bench
}  // namespace framerpc
