// PrometheusServer: a real Prometheus (Debian's prometheus package) started
// by a test on 127.0.0.1 and a free port, in a temporary directory of its
// own (configuration and storage), scraping one target every second, and
// queried through its HTTP API.
//
// Owns the process, known by its PID only: Stop (or the destructor) sends
// that PID SIGTERM, then SIGKILL if it has not exited within 10 s, reaps
// it, and removes the directory. Should the test process die without
// running it, Prometheus gets SIGKILL too (PR_SET_PDEATHSIG, tied to the
// thread that started it, which must outlive it), as tests/client's
// DnsmasqServer does. Not thread-safe.
#ifndef FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SERVER_H_
#define FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace framerpc {
namespace testing_support {

class PrometheusServer {
 public:
  // /usr/bin/prometheus, or "" when it is not installed: tests then skip.
  static std::string BinaryPath();

  // Starts Prometheus scraping http://127.0.0.1:`target_port`/metrics
  // every second and waits, at most 60 s, until it reports ready.
  // UNAVAILABLE with its own log when it does not come up.
  static absl::StatusOr<std::unique_ptr<PrometheusServer>> Start(
      int target_port);

  ~PrometheusServer();
  PrometheusServer(const PrometheusServer&) = delete;
  PrometheusServer& operator=(const PrometheusServer&) = delete;

  int port() const { return port_; }

  // The value of the instant query `promql` when it yields exactly one
  // sample, as Prometheus writes it ("5"); NOT_FOUND while it yields none.
  absl::StatusOr<std::string> QueryOne(absl::string_view promql);

  // Its log so far (at most the last 4 KiB), for failure messages.
  std::string Log() const;

  // SIGTERM, then SIGKILL after 10 s; reaps it and removes the directory.
  // Idempotent.
  void Stop();

 private:
  PrometheusServer(pid_t pid, int port, std::string dir)
      : pid_(pid), port_(port), dir_(std::move(dir)) {}

  pid_t pid_;
  int port_;
  std::string dir_;
};

}  // namespace testing_support
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_SUPPORT_PROMETHEUS_SERVER_H_
