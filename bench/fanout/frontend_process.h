// FrontendProcess: one bench_fanout_frontend run as a child process, for
// bench_fanout: started with its stdin and stdout on pipes, its address read
// from its "listening on ADDR" line, stopped by closing its stdin (the bench
// servers stop at end of stdin), killed only if it does not exit then.
//
// Owns the child: the destructor stops it. Not thread-safe.
#ifndef FRAMERPC_BENCH_FANOUT_FRONTEND_PROCESS_H_
#define FRAMERPC_BENCH_FANOUT_FRONTEND_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace framerpc {
namespace bench {

class FrontendProcess {
 public:
  // Runs `binary` with `args` and waits (at most 10 s) for its address.
  // Fails naming the binary when it cannot be started, exits early, or
  // announces nothing in time.
  static absl::StatusOr<std::unique_ptr<FrontendProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args);
  ~FrontendProcess();
  FrontendProcess(const FrontendProcess&) = delete;
  FrontendProcess& operator=(const FrontendProcess&) = delete;

  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  // The threads the process has now (entries of /proc/PID/task); -1 if it
  // cannot be read.
  int CountThreads() const;

 private:
  FrontendProcess(pid_t pid, int stdin_fd, int stdout_fd)
      : pid_(pid), stdin_fd_(stdin_fd), stdout_fd_(stdout_fd) {}

  pid_t pid_;
  int stdin_fd_;   // closing it asks the child to stop
  int stdout_fd_;  // the child's stdout, read for its address
  std::string address_;
};

}  // namespace bench
}  // namespace framerpc

#endif  // FRAMERPC_BENCH_FANOUT_FRONTEND_PROCESS_H_
