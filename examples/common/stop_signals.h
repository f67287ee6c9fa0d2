// StopSignals: how the example servers learn that it is time to shut down
// gracefully. SIGINT and SIGTERM are taken by one thread with sigwait(3)
// instead of a handler, so that the thread may then call
// Server::Shutdown, which a signal handler may not.
//
// Construct it first thing in main, before any thread exists: it blocks
// the two signals in the calling thread, and every thread started after
// inherits that mask, so none of them is interrupted. Then Wait() on a
// thread of its own. Not thread-safe: one waiter.
#ifndef FRAMERPC_EXAMPLES_COMMON_STOP_SIGNALS_H_
#define FRAMERPC_EXAMPLES_COMMON_STOP_SIGNALS_H_

#include <signal.h>

namespace framerpc_examples {

class StopSignals {
 public:
  StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Blocks until SIGINT or SIGTERM arrives; its name, "SIGINT" or
  // "SIGTERM".
  const char* Wait();

 private:
  sigset_t signals_;
};

}  // namespace framerpc_examples

#endif  // FRAMERPC_EXAMPLES_COMMON_STOP_SIGNALS_H_
