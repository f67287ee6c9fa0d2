// ChildProcess: a test's server process, started with its stdout on a pipe
// the test reads line by line (with a deadline). The destructor kills it
// (SIGKILL) and reaps it, so no test leaves a process behind.
#ifndef FRAMERPC_TESTS_E2E_CHILD_PROCESS_H_
#define FRAMERPC_TESTS_E2E_CHILD_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "absl/time/time.h"

namespace framerpc::e2e {

class ChildProcess {
 public:
  // Starts `argv[0]` with `argv`. `ok()` tells whether it started.
  explicit ChildProcess(const std::vector<std::string>& argv);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool ok() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // The next line the child prints, without its newline; empty when the
  // deadline passes or the child closes stdout first.
  std::string ReadLine(absl::Duration timeout);

  // Waits up to `timeout` for the child to exit by itself, and reaps it.
  // Returns its exit code, or -1 if it was killed by a signal or is still
  // running (then it is left running: Kill() ends it).
  int WaitForExit(absl::Duration timeout);

  // Sends SIGKILL and reaps the child. Safe to call more than once.
  void Kill();

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  std::string pending_;
};

}  // namespace framerpc::e2e

#endif  // FRAMERPC_TESTS_E2E_CHILD_PROCESS_H_
