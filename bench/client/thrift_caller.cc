// The thrift systems' callers; see thrift_caller.h. A caller is used by one
// load thread only.
#include "bench/client/thrift_caller.h"

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>

#include "EchoService.h"
#include "absl/strings/str_cat.h"
#include "rpc/address.h"

namespace framerpc {
namespace bench {
namespace {

using apache::thrift::TException;

class ThriftCaller final : public EchoCaller {
 public:
  ThriftCaller(std::shared_ptr<apache::thrift::transport::TTransport> transport,
               std::string payload)
      : transport_(transport),
        client_(std::make_shared<apache::thrift::protocol::TBinaryProtocol>(
            std::move(transport))),
        payload_(std::move(payload)) {}

  ~ThriftCaller() override {
    // Closing only shuts the socket down; nothing here can fail usefully.
    try {
      transport_->close();
    } catch (const TException&) {
    }
  }

  absl::Status Call(uint64_t sequence, bool* matches) override {
    StampPayload(sequence, &payload_);
    // Thrift reports transport and protocol failures by throwing; here they
    // become the call's status.
    try {
      client_.echo(reply_, payload_);
    } catch (const TException& e) {
      return absl::UnavailableError(absl::StrCat("thrift echo: ", e.what()));
    }
    *matches = reply_ == payload_;
    return absl::OkStatus();
  }

 private:
  std::shared_ptr<apache::thrift::transport::TTransport> transport_;
  thrift_gen::EchoServiceClient client_;
  std::string payload_;
  std::string reply_;
};

class ThriftCallerFactory final : public CallerFactory {
 public:
  explicit ThriftCallerFactory(std::string target)
      : target_(std::move(target)) {}

  absl::StatusOr<std::unique_ptr<EchoCaller>> NewCaller(
      int thread_index, size_t payload_size) override {
    absl::StatusOr<Address> address = ParseAddress(target_);
    if (!address.ok()) return address.status();
    if (address->kind != Address::Kind::kTcp) {
      return absl::InvalidArgumentError(
          absl::StrCat("thrift: TCP targets only, not ", target_));
    }
    auto socket = std::make_shared<apache::thrift::transport::TSocket>(
        address->host, address->port);
    auto transport =
        std::make_shared<apache::thrift::transport::TFramedTransport>(socket);
    try {
      transport->open();
    } catch (const TException& e) {
      return absl::UnavailableError(
          absl::StrCat("thrift: connect to ", target_, ": ", e.what()));
    }
    return std::make_unique<ThriftCaller>(
        std::move(transport), MakePayload(payload_size, thread_index));
  }

 private:
  const std::string target_;
};

}  // namespace

std::unique_ptr<CallerFactory> NewThriftCallerFactory(std::string target) {
  return std::make_unique<ThriftCallerFactory>(std::move(target));
}

}  // namespace bench
}  // namespace framerpc
