// FanoutService, the frontend of bench_fanout: the bench's EchoService,
// answering each call with `fanout` calls of the same request to a backend
// echo server, in one of two forms. kSync: the handler starts them all and
// blocks until they end (framerpc::CallGroup), holding its thread: a worker
// per call in flight. kAsync: the handler starts them, defers its answer
// (ServerContext::Defer) and returns; the last call's callback answers. The
// reply is the request's payload once every backend reply equals it
// (INTERNAL otherwise), so the load generator's check covers the backend
// calls too.
//
// Thread-safe; the stub shares its Channel, so nothing is borrowed.
#ifndef FRAMERPC_BENCH_FANOUT_FANOUT_SERVICE_H_
#define FRAMERPC_BENCH_FANOUT_FANOUT_SERVICE_H_

#include <memory>
#include <utility>

#include "echo.framerpc.h"

namespace framerpc {
namespace bench {

class FanoutService final : public EchoService::Service {
 public:
  enum class Form { kSync, kAsync };

  FanoutService(std::shared_ptr<Channel> backend, int fanout, Form form)
      : backend_(std::move(backend)), fanout_(fanout), form_(form) {}
  absl::Status Echo(ServerContext& context, const EchoRequest& request,
                    EchoReply* reply) override;

 private:
  absl::Status EchoSync(ServerContext& context, const EchoRequest& request,
                        EchoReply* reply);
  absl::Status EchoAsync(ServerContext& context, const EchoRequest& request,
                         EchoReply* reply);

  EchoService::Stub backend_;
  const int fanout_;
  const Form form_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_FANOUT_FANOUT_SERVICE_H_
