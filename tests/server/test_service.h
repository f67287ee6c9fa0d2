// TestService: a hand-written framerpc::Service (what the code generator
// will emit, written out) whose methods let the server tests provoke every
// behaviour: echo, context inspection, returned errors, exceptions, and
// handlers that block on a test-controlled Gate.
//
// Thread-safe: handlers run on many workers at once.
#ifndef FRAMERPC_TESTS_SERVER_TEST_SERVICE_H_
#define FRAMERPC_TESTS_SERVER_TEST_SERVICE_H_

#include <condition_variable>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "framerpc/server_context.h"
#include "framerpc/service.h"
#include "tests/server/test_service.pb.h"

namespace framerpc {
namespace test {

// A one-way gate plus a count of handlers that reached it. std::mutex, not
// absl::Mutex, so TSan sees every synchronisation.
class Gate {
 public:
  // Records that a handler arrived, then blocks until Open() or until
  // `timeout` passes (so a failing test cannot hang). True when opened.
  bool Pass(absl::Duration timeout);
  void Open();
  // Blocks until `n` handlers have arrived in total, or `timeout` passes.
  bool WaitForArrivals(int n, absl::Duration timeout);
  int arrivals();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
  int arrivals_ = 0;
};

class TestService final : public Service {
 public:
  static constexpr char kName[] = "framerpc.test.TestService";
  static std::string Method(
      absl::string_view name);  // "framerpc.test.TestService/<name>"

  TestService();

  // reply.text = request.text.
  absl::Status Echo(ServerContext& context, const TestRequest& request,
                    TestReply* reply);
  // The context's peer, peer identity, method, deadline and metadata in
  // the reply; each metadata key comes back as response metadata
  // "echo-<key>".
  absl::Status Inspect(ServerContext& context, const TestRequest& request,
                       TestReply* reply);
  // Returns Status(request.code, request.message), with response metadata
  // "x-failed: yes".
  absl::Status Fail(ServerContext& context, const TestRequest& request,
                    TestReply* reply);
  // Throws std::runtime_error(request.text).
  absl::Status Throw(ServerContext& context, const TestRequest& request,
                     TestReply* reply);
  // Throws an int.
  absl::Status ThrowInt(ServerContext& context, const TestRequest& request,
                        TestReply* reply);
  // Passes gate() (bounded), then echoes; or, when request.code > 0,
  // replies with that many bytes of text (a large reply on cue).
  absl::Status Block(ServerContext& context, const TestRequest& request,
                     TestReply* reply);
  // Counts its runs, then echoes.
  absl::Status Count(ServerContext& context, const TestRequest& request,
                     TestReply* reply);
  // Counts its runs, then replies with request.code bytes of text.
  absl::Status Sized(ServerContext& context, const TestRequest& request,
                     TestReply* reply);
  // Records how many Concurrent calls run at once, holding each for up to
  // 20 ms (less if more than `concurrency_limit` run) so calls overlap.
  absl::Status Concurrent(ServerContext& context, const TestRequest& request,
                          TestReply* reply);

  // Waits (10 s at most) until context.IsCancelled(), then replies
  // "cancelled" (or "not cancelled" at the bound). Counted in
  // await_cancel_arrivals() when it starts and in cancellations_seen()
  // when it saw the cancellation.
  absl::Status AwaitCancel(ServerContext& context, const TestRequest& request,
                           TestReply* reply);

  Gate& gate() { return gate_; }
  int await_cancel_arrivals();
  int cancellations_seen();
  // Block until AwaitCancel calls arrived / saw cancellations `n` times in
  // total, or `timeout` passes. True if they did.
  bool WaitForAwaitCancelArrivals(int n, absl::Duration timeout);
  bool WaitForCancellationsSeen(int n, absl::Duration timeout);
  // Runs of Count and Sized so far.
  int count();
  int max_concurrency();
  void set_concurrency_limit(int limit);

 private:
  Gate gate_;
  std::mutex mu_;
  std::condition_variable cv_;
  int count_ = 0;
  int running_ = 0;
  int max_running_ = 0;
  int concurrency_limit_ = 1 << 30;
  int await_cancel_arrivals_ = 0;
  int cancellations_seen_ = 0;
};

}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SERVER_TEST_SERVICE_H_
