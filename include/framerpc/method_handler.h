// MethodHandler: one unary method of a service, with the request and response
// types erased so that the server can dispatch any method from bytes.
// UnaryMethodHandler<Request, Response> is the typed implementation that
// generated code instantiates.
//
// Immutable after construction; Run() may be called from many threads at once
// if the function it wraps allows that (the user's handler must be
// thread-safe, as with gRPC's synchronous services).
#ifndef FRAMERPC_METHOD_HANDLER_H_
#define FRAMERPC_METHOD_HANDLER_H_

#include <functional>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "framerpc/server_context.h"
#include "google/protobuf/message.h"

namespace framerpc {

class MethodHandler {
 public:
  virtual ~MethodHandler() = default;

  // Parses `request` (the serialized request message), then runs the method.
  // Returns INVALID_ARGUMENT when the bytes do not parse as the request type
  // (the method does not run); otherwise the method's own status. On OK,
  // `*response` holds the reply to send; on error it is left unchanged.
  // `request` is only read during the call. When the method deferred its
  // answer (ServerContext::deferred()), returns OK with `*response` the
  // reply its responder will send, and the parsed request kept in
  // `context`.
  virtual absl::Status Run(
      ServerContext& context, absl::string_view request,
      std::unique_ptr<google::protobuf::Message>* response) const = 0;
};

template <class Request, class Response>
class UnaryMethodHandler final : public MethodHandler {
 public:
  using Function =
      std::function<absl::Status(ServerContext&, const Request&, Response*)>;

  explicit UnaryMethodHandler(Function function)
      : function_(std::move(function)) {}

  absl::Status Run(
      ServerContext& context, absl::string_view request_bytes,
      std::unique_ptr<google::protobuf::Message>* response) const override {
    // On the heap, as the reply: a handler that defers its answer may
    // use both until it finishes (ServerContext::Defer).
    auto request = std::make_unique<Request>();
    if (!request->ParseFromArray(request_bytes.data(),
                                 static_cast<int>(request_bytes.size()))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "parse request of ", context.method(), ": ", request_bytes.size(),
          " bytes are not a valid ", Request::descriptor()->full_name()));
    }
    auto reply = std::make_unique<Response>();
    absl::Status status = function_(context, *request, reply.get());
    if (context.deferred()) {
      // The responder answers; the server keeps the reply for it.
      context.KeepRequest(std::move(request));
      *response = std::move(reply);
      return absl::OkStatus();
    }
    if (status.ok()) *response = std::move(reply);
    return status;
  }

 private:
  Function function_;
};

}  // namespace framerpc

#endif  // FRAMERPC_METHOD_HANDLER_H_
