// ServerCore, everything behind framerpc::Server: the lifecycle
// (new -> running -> stopping -> stopped), the registry and listeners
// gathered before Start, and what Start sets running: the loops
// (EventLoop, ServerOptions::num_loops; the first holds the listeners and
// hands accepted connections to all of them in turn), the threads that
// serve them (LoopThreads), the HandoffMonitor that moves a loop to
// another thread when a handler blocks, and the WorkerPool that takes calls
// while too many handlers are blocked.
//
// Shutdown order: the loops are asked to stop (with the grace deadline) and
// waited for; they have then closed every descriptor. Then the monitor
// stops, and the loop threads and the workers are joined: a handler still
// running past the grace has had its connection closed and its result is
// dropped, but Shutdown waits for it to return. A handler that never
// returns therefore blocks Shutdown (and ~Server) forever; detaching it
// instead would let it run on after the services it borrows are gone.
//
// Owns its listeners, loop, pool and threads; borrows the services.
// Shutdown, Wait and port() are thread-safe; AddService, Listen and Start
// are meant for one thread before serving (and refuse once started).
#ifndef FRAMERPC_SERVER_SERVER_CORE_H_
#define FRAMERPC_SERVER_SERVER_CORE_H_

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "framerpc/server_options.h"
#include "framerpc/service.h"
#include "server/admin_service.h"
#include "server/completion_queue.h"
#include "server/connection_directory.h"
#include "server/event_loop.h"
#include "server/handoff_monitor.h"
#include "server/health_service.h"
#include "server/listener.h"
#include "server/loop_group_state.h"
#include "server/loop_threads.h"
#include "server/metrics_http.h"
#include "server/reflection_service.h"
#include "server/server_metrics.h"
#include "server/service_registry.h"
#include "server/wakeup_fd.h"
#include "server/worker_pool.h"

namespace framerpc {
namespace internal {

// ServerOptions::num_workers resolved: as given when positive, otherwise
// max(4, the machine's core count). The floor of 4 keeps a few blocking
// handlers from stalling everything on a small machine.
int ResolveWorkerCount(int num_workers);
// ServerOptions::num_loops resolved: as given when positive, otherwise the
// machine's core count (at least 1).
int ResolveLoopCount(int num_loops);

class ServerCore {
 public:
  explicit ServerCore(const ServerOptions& options);
  // Shutdown(0), then Wait().
  ~ServerCore();
  ServerCore(const ServerCore&) = delete;
  ServerCore& operator=(const ServerCore&) = delete;

  absl::Status AddService(Service* service, ServiceOptions service_options);
  absl::Status EnableReflection();
  absl::Status EnableHealthCheck();
  absl::Status EnableMetrics();
  // Server::AddMetricsSource.
  absl::Status AddMetricsSource(ServerMetrics::Source source);
  HealthService& health() { return health_; }
  // Null unless metrics are counted (EnableMetrics or
  // ServerOptions::metrics_http_address) and the server has started.
  // Thread-safe.
  const ServerMetrics* metrics() const;
  int metrics_http_port() const;
  absl::Status Listen(absl::string_view address);
  int port() const;
  absl::Status Start();
  void Shutdown(absl::Duration grace);
  void Wait();

 private:
  enum class State { kNew, kRunning, kStopping, kStopped };

  // Start's part for metrics: makes the counters and attaches them, and
  // starts the HTTP endpoint when configured. Fails as
  // MetricsHttpServer::Start.
  absl::Status StartMetrics() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Start could not create its threads: undoes what it set up (closing the
  // listeners) and leaves the server stopped. Returns `cause`, prefixed.
  absl::Status FailStart(const absl::Status& cause)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const ServerOptions options_;

  mutable std::mutex mu_;
  std::condition_variable stopped_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kNew;
  // Written under mu_ before Start; read-only (by the loop) afterwards.
  ServiceRegistry registry_;
  // Always present, registered by EnableHealthCheck; Start sets every
  // registered service (and "") SERVING unless the application set it,
  // Shutdown sets everything NOT_SERVING before draining.
  HealthService health_;
  bool health_enabled_ ABSL_GUARDED_BY(mu_) = false;
  // Created and registered by EnableReflection.
  std::unique_ptr<ReflectionService> reflection_;
  // Created and registered by EnableMetrics; Start attaches the metrics.
  std::unique_ptr<AdminService> admin_;
  // Made by Start when metrics are counted (EnableMetrics, or
  // metrics_http_address set), for the methods registered by then, and
  // constant afterwards; the registry and the loops borrow them.
  std::unique_ptr<ServerMetrics> metrics_ ABSL_GUARDED_BY(mu_);
  // Server::AddMetricsSource's, handed to metrics_ by Start.
  std::vector<ServerMetrics::Source> metrics_sources_ ABSL_GUARDED_BY(mu_);
  ConnectionDirectory connection_directory_;
  // Started by Start when ServerOptions::metrics_http_address is set;
  // stopped by Shutdown.
  std::unique_ptr<MetricsHttpServer> metrics_http_;
  int metrics_http_port_ ABSL_GUARDED_BY(mu_) = 0;
  // Handed to the loop by Start.
  std::vector<std::unique_ptr<Listener>> listeners_ ABSL_GUARDED_BY(mu_);
  int port_ ABSL_GUARDED_BY(mu_) = 0;

  // What one loop needs: its wakeup fd, the queue its calls' results
  // come back on, and the loop.
  struct LoopSlot {
    std::unique_ptr<WakeupFd> wakeup;
    std::unique_ptr<CompletionQueue> completions;
    std::unique_ptr<EventLoop> loop;
  };

  // Waits for the loops granted a thread to stop (each asked already),
  // then stops the monitor and joins the loop threads; the loops stay.
  void JoinLoops();

  // Set by Start, then constant until destruction. Destroyed in reverse:
  // the monitor and the loop threads (joined), the loops, then the pool
  // (joined), then the state the loops share.
  LoopGroupState group_;
  std::unique_ptr<WorkerPool> workers_;
  std::vector<LoopSlot> loops_;
  std::unique_ptr<LoopThreads> loop_threads_;
  std::unique_ptr<HandoffMonitor> monitor_;
  // Loops given a thread by Start: those JoinLoops waits for.
  int loops_serving_ = 0;
};

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_SERVER_SERVER_CORE_H_
