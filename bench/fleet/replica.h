// Replica, one framerpc echo server of bench_fleet's three, on its own
// loopback address (127.0.0.1, 127.0.0.2, ...), that counts the calls it
// served and may sleep in every handler to play the slow replica.
//
// Owns its Server and service. Thread-safe: calls() may be read while the
// handlers run.
#ifndef FRAMERPC_BENCH_FLEET_REPLICA_H_
#define FRAMERPC_BENCH_FLEET_REPLICA_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "echo.framerpc.h"
#include "framerpc/server.h"

namespace framerpc {
namespace bench {

class Replica {
 public:
  // Serves on `host` (an IPv4 loopback address) at a free port. Every call
  // sleeps `delay` before its answer (zero: answers at once); the sleep
  // runs on a worker, as a handler that waits on a disk or another service
  // would. `num_workers` is ServerOptions::num_workers (0: the default).
  static absl::StatusOr<std::unique_ptr<Replica>> Start(const std::string& host,
                                                        absl::Duration delay,
                                                        int num_workers);
  ~Replica();  // shuts the server down, with no grace
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // "127.0.0.2:41234": what the Channel's ipv4: list names.
  const std::string& address() const { return address_; }
  absl::Duration delay() const { return service_.delay; }
  // Calls answered since the start.
  int64_t calls() const {
    return service_.calls.load(std::memory_order_relaxed);
  }

 private:
  struct CountingEcho final : EchoService::Service {
    absl::Status Echo(ServerContext&, const EchoRequest& request,
                      EchoReply* reply) override;
    absl::Duration delay;
    std::atomic<int64_t> calls{0};
  };

  explicit Replica(const ServerOptions& options) : server_(options) {}

  CountingEcho service_;
  Server server_;  // after service_: destroyed first, while it still exists
  std::string address_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_FLEET_REPLICA_H_
