// NameThisThread: names the calling thread for the tools that list threads
// (top -H, ps -L, perf, gdb, /proc/PID/task/TID/comm), so that a server's
// loop, hand-off monitor and worker threads can be told apart from the
// application's own. Stateless; affects only the calling thread.
#ifndef FRAMERPC_BASE_THREAD_NAME_H_
#define FRAMERPC_BASE_THREAD_NAME_H_

#include "absl/strings/string_view.h"

namespace framerpc {

// Linux keeps 15 bytes of a name: a longer one is cut there. Best effort:
// a name that cannot be set is not an error (it changes nothing served).
void NameThisThread(absl::string_view name);

}  // namespace framerpc

#endif  // FRAMERPC_BASE_THREAD_NAME_H_
