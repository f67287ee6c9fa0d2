// TestServiceImpl: the e2e tests' service. Behaviour is chosen per request
// (see e2e_test.proto); a gate lets a test hold handlers until it releases
// them, with no sleeps. Thread-safe.
#ifndef FRAMERPC_TESTS_E2E_TEST_SERVICE_IMPL_H_
#define FRAMERPC_TESTS_E2E_TEST_SERVICE_IMPL_H_

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>

#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "e2e_test.framerpc.h"

namespace framerpc::e2e {

class TestServiceImpl final : public TestService::Service {
 public:
  absl::Status Echo(ServerContext& context, const EchoRequest& request,
                    EchoReply* reply) override;

  // Lets every handler waiting at the gate (and every later one) through.
  void OpenGate();
  // Waits until `count` handlers are waiting at the gate, up to `timeout`.
  bool AwaitWaiters(int count, absl::Duration timeout);
  // Called at the start of every handler (set before serving).
  void set_on_start(std::function<void(const EchoRequest&)> on_start) {
    on_start_ = std::move(on_start);
  }
  // Handlers that have started running.
  int started() const { return started_.load(); }
  // Waits until `count` wait_for_cancel handlers have started, up to
  // `timeout`.
  bool AwaitCancelWaiters(int count, absl::Duration timeout);
  // When the first wait_for_cancel handler saw IsCancelled(), waiting up to
  // `timeout` for it; nullopt if none did by then (one that gave up after
  // 30 s never does).
  absl::optional<absl::Time> AwaitCancelSeen(absl::Duration timeout);

 private:
  std::function<void(const EchoRequest&)> on_start_;
  std::atomic<int> started_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool gate_open_ = false;
  int waiting_ = 0;
  int cancel_waiters_ = 0;
  absl::optional<absl::Time> cancel_seen_;
};

}  // namespace framerpc::e2e

#endif  // FRAMERPC_TESTS_E2E_TEST_SERVICE_IMPL_H_
