#include "server/server_core.h"

#include <algorithm>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/human_duration.h"
#include "base/status_macros.h"
#include "rpc/log.h"
#include "server/poller.h"
#include "server/server_tls_credentials.h"

namespace framerpc {
namespace internal {
namespace {

absl::Status BadOption(absl::string_view name, absl::string_view value,
                       absl::string_view rule) {
  return absl::InvalidArgumentError(absl::StrCat(
      "start server: ServerOptions::", name, " is ", value, "; ", rule));
}

absl::Status ValidateOptions(const ServerOptions& options) {
  if (options.num_workers < 0) {
    return BadOption("num_workers", absl::StrCat(options.num_workers),
                     "it must be 0 (automatic) or more");
  }
  if (options.num_loops < 0) {
    return BadOption("num_loops", absl::StrCat(options.num_loops),
                     "it must be 0 (one per core) or more");
  }
  if (options.max_frame_size == 0) {
    return BadOption("max_frame_size", "0", "it must be at least 1");
  }
  if (options.max_connections < 1) {
    return BadOption("max_connections", absl::StrCat(options.max_connections),
                     "it must be at least 1");
  }
  if (options.idle_timeout <= absl::ZeroDuration()) {
    return BadOption("idle_timeout", HumanDuration(options.idle_timeout),
                     "it must be positive (absl::InfiniteDuration() for none)");
  }
  for (const auto& [name, value] :
       {std::make_pair("keepalive_time", options.keepalive_time),
        std::make_pair("keepalive_timeout", options.keepalive_timeout)}) {
    if (value <= absl::ZeroDuration()) {
      return BadOption(name, HumanDuration(value), "it must be positive");
    }
  }
  if (options.max_calls_per_connection < 1) {
    return BadOption("max_calls_per_connection",
                     absl::StrCat(options.max_calls_per_connection),
                     "it must be at least 1");
  }
  if (options.max_pending_output_bytes == 0) {
    return BadOption("max_pending_output_bytes", "0", "it must be at least 1");
  }
  for (size_t i = 0; i < options.interceptors.size(); ++i) {
    if (options.interceptors[i] == nullptr) {
      return BadOption(absl::StrCat("interceptors[", i, "]"), "null",
                       "every interceptor must be set");
    }
  }
  return absl::OkStatus();
}

}  // namespace

int ResolveWorkerCount(int num_workers) {
  if (num_workers > 0) return num_workers;
  return std::max(4, static_cast<int>(std::thread::hardware_concurrency()));
}

int ResolveLoopCount(int num_loops) {
  if (num_loops > 0) return num_loops;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

ServerCore::ServerCore(const ServerOptions& options) : options_(options) {}

ServerCore::~ServerCore() {
  Shutdown(absl::ZeroDuration());
  Wait();
}

absl::Status ServerCore::AddService(Service* service,
                                    ServiceOptions service_options) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(absl::StrCat(
        "add service ", service != nullptr ? service->full_name() : "(null)",
        ": the server was already started"));
  }
  return registry_.Add(service, service_options.inline_handlers);
}

absl::Status ServerCore::Listen(absl::string_view address) {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(absl::StrCat(
        "listen on ", address, ": the server was already started"));
  }
  absl::StatusOr<std::unique_ptr<Listener>> listener = Listener::Create(
      address, options_.keepalive_time, options_.keepalive_timeout);
  if (!listener.ok()) return listener.status();
  if (port_ == 0 && (*listener)->is_tcp()) port_ = (*listener)->port();
  listeners_.push_back(*std::move(listener));
  return absl::OkStatus();
}

absl::Status ServerCore::EnableReflection() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(
        "enable reflection: the server was already started");
  }
  if (reflection_ != nullptr) return absl::OkStatus();
  auto reflection = std::make_unique<ReflectionService>(&registry_);
  FRAMERPC_RETURN_IF_ERROR(registry_.Add(reflection.get()));
  reflection_ = std::move(reflection);
  return absl::OkStatus();
}

absl::Status ServerCore::EnableHealthCheck() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(
        "enable health check: the server was already started");
  }
  if (health_enabled_) return absl::OkStatus();
  FRAMERPC_RETURN_IF_ERROR(registry_.Add(&health_));
  health_enabled_ = true;
  return absl::OkStatus();
}

absl::Status ServerCore::EnableMetrics() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(
        "enable metrics: the server was already started; metrics count "
        "from Start, so enable them before");
  }
  if (admin_ != nullptr) return absl::OkStatus();
  auto admin = std::make_unique<AdminService>();
  FRAMERPC_RETURN_IF_ERROR(registry_.Add(admin.get()));
  admin_ = std::move(admin);
  return absl::OkStatus();
}

absl::Status ServerCore::AddMetricsSource(ServerMetrics::Source source) {
  if (source == nullptr) {
    return absl::InvalidArgumentError(
        "add metrics source: the function is empty");
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(
        "add metrics source: the server was already started; add sources "
        "before Start");
  }
  metrics_sources_.push_back(std::move(source));
  return absl::OkStatus();
}

const ServerMetrics* ServerCore::metrics() const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_.get();
}

int ServerCore::metrics_http_port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return metrics_http_port_;
}

absl::Status ServerCore::StartMetrics() {
  if (admin_ == nullptr && options_.metrics_http_address.empty()) {
    return absl::OkStatus();
  }
  metrics_ = std::make_unique<ServerMetrics>(registry_.method_names(), &group_,
                                             metrics_sources_);
  if (!options_.metrics_http_address.empty()) {
    const ServerMetrics* const metrics = metrics_.get();
    absl::StatusOr<std::unique_ptr<MetricsHttpServer>> http =
        MetricsHttpServer::Start(options_.metrics_http_address, [metrics] {
          return metrics->PrometheusText();
        });
    if (!http.ok()) {
      metrics_.reset();
      return absl::Status(http.status().code(),
                          absl::StrCat("start server: ", http.status().message()));
    }
    metrics_http_ = *std::move(http);
    metrics_http_port_ = metrics_http_->port();
  }
  registry_.set_metrics(metrics_.get());
  group_.directory = &connection_directory_;
  if (admin_ != nullptr) admin_->Attach(metrics_.get(), &connection_directory_);
  return absl::OkStatus();
}

int ServerCore::port() const {
  std::lock_guard<std::mutex> lock(mu_);
  return port_;
}

absl::Status ServerCore::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (state_ != State::kNew) {
    return absl::FailedPreconditionError(
        "start server: it was already started or shut down");
  }
  if (listeners_.empty()) {
    return absl::FailedPreconditionError(
        "start server: no address to serve; call Listen first");
  }
  absl::Status valid = ValidateOptions(options_);
  if (!valid.ok()) return valid;
  // Read before anything starts: a bad file fails Start, naming it.
  std::shared_ptr<ServerTlsCredentials> tls;
  if (options_.tls.enabled) {
    absl::StatusOr<std::shared_ptr<ServerTlsCredentials>> made =
        ServerTlsCredentials::Load(options_.tls);
    if (!made.ok()) {
      return absl::Status(made.status().code(),
                          absl::StrCat("start server: ", made.status().message()));
    }
    tls = *std::move(made);
  }
  // Then the metrics endpoint: a bad metrics_http_address fails Start
  // before anything runs.
  FRAMERPC_RETURN_IF_ERROR(StartMetrics());
  absl::StatusOr<std::unique_ptr<WorkerPool>> workers =
      WorkerPool::Create(ResolveWorkerCount(options_.num_workers));
  if (!workers.ok()) return FailStart(workers.status());
  workers_ = *std::move(workers);
  const int num_loops = ResolveLoopCount(options_.num_loops);
  loops_.resize(static_cast<size_t>(num_loops));
  std::vector<EventLoop*> targets;
  for (size_t i = 0; i < loops_.size(); ++i) {
    LoopSlot& slot = loops_[i];
    absl::StatusOr<std::unique_ptr<WakeupFd>> wakeup = WakeupFd::Create();
    if (!wakeup.ok()) return FailStart(wakeup.status());
    slot.wakeup = *std::move(wakeup);
    slot.completions = std::make_unique<CompletionQueue>(slot.wakeup.get());
    absl::StatusOr<std::unique_ptr<Poller>> poller =
        MakePoller(options_.poller);
    if (!poller.ok()) return FailStart(poller.status());
    // The first loop holds the listeners and spreads what it accepts.
    std::vector<std::unique_ptr<Listener>> listeners;
    if (i == 0) listeners = std::move(listeners_);
    slot.loop = std::make_unique<EventLoop>(
        options_, &registry_, workers_.get(), slot.completions.get(),
        slot.wakeup.get(), &group_, *std::move(poller), std::move(listeners));
    if (tls != nullptr) slot.loop->set_tls_credentials(tls);
    targets.push_back(slot.loop.get());
  }
  listeners_.clear();
  if (loops_.size() > 1) loops_[0].loop->set_accept_targets(targets);
  loop_threads_ = std::make_unique<LoopThreads>();
  std::vector<HandoffMonitor::Watched> watched;
  for (LoopSlot& slot : loops_) {
    watched.push_back({slot.loop->ownership(), slot.loop.get()});
  }
  monitor_ = std::make_unique<HandoffMonitor>(
      std::move(watched), loop_threads_.get(), &group_.monitor_asleep,
      &group_.handed_off_handlers);
  absl::Status monitor_started = monitor_->Start();
  if (!monitor_started.ok()) return FailStart(monitor_started);
  for (size_t i = 0; i < loops_.size(); ++i) {
    absl::Status granted = loop_threads_->Grant(loops_[i].loop.get(), false);
    if (!granted.ok()) {
      return FailStart(absl::Status(
          granted.code(), absl::StrCat("loop ", i + 1, " of ", loops_.size(),
                                       " (ServerOptions::num_loops): ",
                                       granted.message())));
    }
    ++loops_serving_;
  }
  health_.SetServingIfUnset("");
  for (const Service* service : registry_.services()) {
    health_.SetServingIfUnset(service->full_name());
  }
  state_ = State::kRunning;
  return absl::OkStatus();
}

void ServerCore::JoinLoops() {
  if (loop_threads_ != nullptr) loop_threads_->WaitUntilStopped(loops_serving_);
  // Only now: a loop may be handed off while it drains.
  if (monitor_ != nullptr) monitor_->Stop();
  if (loop_threads_ != nullptr) loop_threads_->Shutdown();
}

absl::Status ServerCore::FailStart(const absl::Status& cause) {
  // Those already serving stop at once: nothing was served.
  for (LoopSlot& slot : loops_) {
    if (slot.loop != nullptr) slot.loop->RequestStop(absl::Now());
  }
  JoinLoops();
  group_.answer_gate->Close();
  monitor_.reset();
  loop_threads_.reset();
  loops_.clear();  // closes the listeners the first was given
  listeners_.clear();
  workers_.reset();  // joins the workers made
  if (metrics_http_ != nullptr) metrics_http_->Stop();
  state_ = State::kStopped;
  stopped_.notify_all();
  return absl::Status(cause.code(),
                      absl::StrCat("start server: ", cause.message()));
}

void ServerCore::Shutdown(absl::Duration grace) {
  // First of all, so that no health check answered from here on says
  // SERVING.
  health_.Shutdown();
  std::unique_lock<std::mutex> lock(mu_);
  switch (state_) {
    case State::kNew:
      listeners_.clear();  // closes them, unlinking Unix socket files
      state_ = State::kStopped;
      stopped_.notify_all();
      return;
    case State::kStopped:
      return;
    case State::kStopping:
      // Another caller carries the shutdown out; this one may shorten the
      // grace, then waits like Wait().
      for (LoopSlot& slot : loops_) slot.loop->RequestStop(absl::Now() + grace);
      stopped_.wait(lock, [this] { return state_ == State::kStopped; });
      return;
    case State::kRunning:
      break;
  }
  state_ = State::kStopping;
  const absl::Time begun = absl::Now();
  Log(LogSeverity::kInfo,
      absl::StrCat("server shutdown begun: ", loops_.size(),
                   " loop(s) drain their calls for up to ",
                   HumanDuration(grace)));
  // All at once, so that the loops drain side by side.
  const absl::Time deadline = begun + grace;
  for (LoopSlot& slot : loops_) slot.loop->RequestStop(deadline);
  lock.unlock();
  JoinLoops();
  // Deferred answers still to come would go to loops that are gone.
  group_.answer_gate->Close();
  workers_->Shutdown();
  // Last, so that a scrape during the drain still sees the calls finish.
  if (metrics_http_ != nullptr) metrics_http_->Stop();
  Log(LogSeverity::kInfo,
      absl::StrCat("server shutdown done after ",
                   HumanDuration(absl::Now() - begun)));
  lock.lock();
  state_ = State::kStopped;
  stopped_.notify_all();
}

void ServerCore::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  if (state_ == State::kNew) return;
  stopped_.wait(lock, [this] { return state_ == State::kStopped; });
}

}  // namespace internal
}  // namespace framerpc
