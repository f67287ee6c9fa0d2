// internal: AsyncDriver, the thread ("framerpc-async") that keeps a
// Channel's asynchronous calls moving when no calling thread does
// (client/client_connection.h: there is no I/O thread, callers read and
// write for each other).
//
// Each round it looks at every connection that has asynchronous calls in
// flight: sends output that no writer is sending, fails the calls whose
// deadline passed (DEADLINE_EXCEEDED, checked at least every kRoundMs),
// and, on the connections where nobody reads and no synchronous call is
// in flight, takes the reader role and polls them all together for up to
// kRoundMs, delivering what arrives. Delivering an answer only posts the
// call's completion (to the Channel's done pool), so a slow done callback
// never holds up this thread. A connection leaves the list when its last
// asynchronous call is over; with none left the thread sleeps until
// Watch.
//
// Owned by the ChannelCore; started with the first Watch. Thread-safe; the
// destructor stops and joins the thread.
#ifndef FRAMERPC_CLIENT_ASYNC_DRIVER_H_
#define FRAMERPC_CLIENT_ASYNC_DRIVER_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "client/client_connection.h"

namespace framerpc {
namespace internal {

class AsyncDriver {
 public:
  // The longest a round waits for input, so also how late a deadline may
  // be noticed and how soon a connection a synchronous reader left is
  // read again.
  static constexpr int kRoundMs = 10;

  AsyncDriver() = default;
  ~AsyncDriver();
  AsyncDriver(const AsyncDriver&) = delete;
  AsyncDriver& operator=(const AsyncDriver&) = delete;

  // Looks after `connection` until it has no asynchronous call in flight.
  // Call after an asynchronous call was started on it.
  void Watch(std::shared_ptr<ClientConnection> connection);

 private:
  void Run();
  // One round over `connections` (see above).
  static void Round(const std::vector<std::shared_ptr<ClientConnection>>&
                        connections);

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<ClientConnection>> watched_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;  // started by the first Watch, under mu_
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_CLIENT_ASYNC_DRIVER_H_
