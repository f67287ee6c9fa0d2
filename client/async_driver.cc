#include "client/async_driver.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>

#include <algorithm>
#include <utility>

namespace framerpc {
namespace internal {

AsyncDriver::~AsyncDriver() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void AsyncDriver::Watch(std::shared_ptr<ClientConnection> connection) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (std::find(watched_.begin(), watched_.end(), connection) ==
        watched_.end()) {
      watched_.push_back(std::move(connection));
    }
    if (!thread_.joinable()) {
      thread_ = std::thread(&AsyncDriver::Run, this);
      pthread_setname_np(thread_.native_handle(), "framerpc-async");
    }
  }
  wake_.notify_one();
}

void AsyncDriver::Run() {
  std::vector<std::shared_ptr<ClientConnection>> connections;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      // Connections whose asynchronous calls are all over leave the list
      // (a call started since is watched again).
      watched_.erase(
          std::remove_if(watched_.begin(), watched_.end(),
                         [](const std::shared_ptr<ClientConnection>& c) {
                           return !c->has_async_calls();
                         }),
          watched_.end());
      wake_.wait(lock, [this] { return stopping_ || !watched_.empty(); });
      if (stopping_) return;
      connections = watched_;
    }
    Round(connections);
    connections.clear();
  }
}

void AsyncDriver::Round(
    const std::vector<std::shared_ptr<ClientConnection>>& connections) {
  std::vector<ClientConnection*> leading;
  std::vector<pollfd> fds;
  bool input_buffered = false;
  for (const std::shared_ptr<ClientConnection>& connection : connections) {
    connection->SendStrandedOutput();
    connection->ExpireAsyncCalls();
    if (!connection->TryLeadForAsync()) continue;
    leading.push_back(connection.get());
    fds.push_back(pollfd{connection->fd(), POLLIN, 0});
    input_buffered = input_buffered || connection->HasBufferedInput();
  }
  // With nothing to read (every connection has a reader of its own), the
  // poll only spaces the rounds.
  const int timeout_ms = input_buffered ? 0 : kRoundMs;
  int ready = ::poll(fds.data(), fds.size(), timeout_ms);
  if (ready < 0 && errno != EINTR) {
    // poll on our own descriptors fails only for lack of memory: treat
    // every connection as readable, and let its read report the fault.
    for (pollfd& fd : fds) fd.revents = POLLIN;
  }
  for (size_t i = 0; i < leading.size(); ++i) {
    leading[i]->ReadForAsync(fds[i].revents != 0);
    leading[i]->EndAsyncLead();
  }
}

}  // namespace internal
}  // namespace framerpc
