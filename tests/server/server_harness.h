// ServerHarness: a framerpc::Server serving one TestService on loopback,
// for the end-to-end server tests, plus small helpers to call it through a
// RawClient.
//
// Owns the service and the server (declared so that the server is
// destroyed first, as Server requires). Not thread-safe except where the
// Server itself is.
#ifndef FRAMERPC_TESTS_SERVER_SERVER_HARNESS_H_
#define FRAMERPC_TESTS_SERVER_SERVER_HARNESS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/server.h"
#include "framerpc/server_options.h"
#include "tests/server/raw_client.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace test {

class ServerHarness {
 public:
  // `service_options` are those the TestService is added with. When the
  // environment variable FRAMERPC_TEST_POLLER is set ("poll" or "epoll";
  // anything else fails the test), it overrides options.poller: ctest runs
  // the server suites once more with the poller that is not the default
  // (tests/CMakeLists.txt).
  explicit ServerHarness(ServerOptions options = ServerOptions(),
                         ServiceOptions service_options = ServiceOptions());
  // Opens the gate first, so that blocked handlers return and the server's
  // destructor (Shutdown + Wait) does not wait for them.
  ~ServerHarness();

  // AddService, Listen(`address`), Start.
  absl::Status Start(absl::string_view address = "127.0.0.1:0");

  // Start(`address`), then one client connected to it: most tests' first
  // step. Fails with whichever of the two failed.
  absl::StatusOr<RawClient> StartAndConnect(
      absl::string_view address = "127.0.0.1:0");

  // What a client connects to: the listen address with the bound port.
  const std::string& address() const { return address_; }
  TestService& service() { return service_; }
  Server& server() { return server_; }

  absl::StatusOr<RawClient> Connect() const {
    return RawClient::Connect(address_);
  }

  // Waits until the service's handlers stop being called (two equal counts
  // `interval` apart), for at most `timeout`; returns the count then, or
  // DEADLINE_EXCEEDED if it kept changing. For tests that expect the
  // server to stop starting a client's calls.
  absl::StatusOr<int> WaitForCallCountToSettle(absl::Duration interval,
                                               absl::Duration timeout);

 private:
  TestService service_;
  const ServiceOptions service_options_;
  Server server_;
  std::string address_;
};

// A fresh directory under /tmp (short enough for a Unix socket path),
// removed with its contents when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(absl::string_view name) const;

 private:
  std::string path_;
};

TestRequest MakeRequest(absl::string_view text);

// Sends one call and reads one response (which must be this call's).
absl::StatusOr<RawResponse> CallOnce(RawClient& client, uint64_t call_id,
                                     absl::string_view method,
                                     const google::protobuf::Message& request,
                                     uint64_t timeout_us = 0,
                                     const Metadata& metadata = {});

// As CallOnce, with the request's payload as bytes (control methods,
// payloads that do not parse).
absl::StatusOr<RawResponse> CallOnceWithPayload(RawClient& client,
                                                uint64_t call_id,
                                                absl::string_view method,
                                                absl::string_view payload);

// Sends call `call_id` to a method that does not exist, which the server's
// loop answers itself, and reads that answer (the next frame must be it).
// Since a connection's frames are handled in order, every request sent
// before it has then been received, and dispatched if the limits allow.
absl::Status RoundTripThroughTheLoop(RawClient& client, uint64_t call_id);

// Sends Block calls `first_call_id`, `first_call_id` + 1, ... (request
// text `text`), each once the one before has arrived in its handler, until
// every thread that may run a handler of a server with `num_workers`
// workers is held: as many handlers handed off their loop as there are
// workers, then every worker. Calls sent after it queue for the workers.
// Returns how many it sent, or an error if one did not arrive in time.
absl::StatusOr<int> HoldEveryHandlerThread(ServerHarness& harness,
                                           RawClient& client, int num_workers,
                                           uint64_t first_call_id,
                                           absl::string_view text);

// Whether `response` is the drain notice, Response{call_id: 0, code: 0,
// draining: true} (docs/protocol.md, section 7).
bool IsDrainNotice(const RawResponse& response);

// Reads the next frame, which must be the drain notice; otherwise an error
// saying what came instead.
absl::Status ReadDrainNotice(RawClient& client, absl::Duration timeout = kWait);

// The reply in an OK response (an empty reply if it does not parse).
TestReply ParseReply(const RawResponse& response);

// Entries in /proc/self/fd and /proc/self/task.
int CountOpenFds();
int CountThreads();
// Open epoll instances of this process (each EpollPoller holds one).
int CountEpollInstances();

// The poller a ServerHarness runs: FRAMERPC_TEST_POLLER's, else `fallback`
// (the one its options name).
PollerKind HarnessPoller(PollerKind fallback = ServerOptions().poller);

}  // namespace test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SERVER_SERVER_HARNESS_H_
