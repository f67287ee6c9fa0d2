#include "client/channel_core.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "client/call_status.h"
#include "client/call_table.h"
#include "framerpc/interceptor.h"

namespace framerpc {
namespace internal {
namespace {

// A call the server never processed (docs/api.md §5.3) is sent at most
// this often in all, each time on a connection that takes new calls, then
// fails with the last attempt's status: a server that keeps turning calls
// away is not hammered, and a connection that breaks between the lookup and
// the registration costs an attempt too.
constexpr int kMaxAttempts = 3;

bool SameAddress(const ResolvedAddress& a, const ResolvedAddress& b) {
  return a.length == b.length && memcmp(&a.storage, &b.storage, a.length) == 0;
}

uint64_t Seed(const void* self) {
  return static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
         reinterpret_cast<uintptr_t>(self);
}

}  // namespace

ChannelCore::ChannelCore(std::string target,
                         std::unique_ptr<AddressFinder> finder,
                         ChannelOptions options,
                         std::shared_ptr<const ClientTls> tls)
    : target_(std::move(target)),
      finder_(std::move(finder)),
      options_(options),
      tls_(std::move(tls)),
      balancer_(options.load_balancing, Seed(this)),
      resolve_backoff_(Seed(this) + 1) {}

ChannelCore::~ChannelCore() {
  // No asynchronous call is left (each holds the Channel), but this may run
  // on a done thread, after the done that dropped the last reference: the
  // done pool goes last and leaves that thread to finish.
  async_driver_.reset();
  async_starts_.reset();
  std::unique_ptr<ChannelUpkeep> upkeep;
  {
    std::lock_guard<std::mutex> lock(mu_);
    upkeep = std::move(upkeep_);
  }
  upkeep.reset();  // joins, without the lock its jobs take
  async_done_.reset();
}

absl::Status ChannelCore::Call(absl::string_view method,
                               const google::protobuf::Message& request,
                               google::protobuf::Message* response,
                               ClientContext* context) {
  MethodMetrics* const counted = CountedAs(method);
  const absl::Time start = absl::Now();
  absl::Status status =
      CallFrom(start, counted, method, request, response, context);
  if (counted != nullptr) {
    counted->calls.RecordLatency(status.code(), absl::Now() - start);
  }
  return status;
}

absl::Status ChannelCore::CallFrom(absl::Time start, MethodMetrics* counted,
                                   absl::string_view method,
                                   const google::protobuf::Message& request,
                                   google::protobuf::Message* response,
                                   ClientContext* context) {
  if (response == nullptr) {
    return CallError(absl::StatusCode::kInvalidArgument, method, target_,
                     "response message is null");
  }
  const absl::Duration budget = CallEnd(context, start) - start;
  // Fixed now, so that the time interceptors take counts against it.
  const Deadline deadline = Deadline::After(budget);
  if (options_.interceptors.empty()) {
    return Send(method, request, response, context, budget, deadline,
                /*metadata=*/nullptr, counted);
  }
  return CallIntercepted(method, request, response, context, start, budget,
                         deadline, counted);
}

void ChannelCore::EnableMetrics() {
  std::lock_guard<std::mutex> lock(mu_);
  if (owned_metrics_ != nullptr) return;
  owned_metrics_ = std::make_unique<ChannelMetrics>(target_);
  metrics_.store(owned_metrics_.get(), std::memory_order_release);
}

std::string ChannelCore::MetricsText() const {
  const ChannelMetrics* const metrics =
      metrics_.load(std::memory_order_acquire);
  return metrics == nullptr ? std::string() : metrics->PrometheusText();
}

absl::Time ChannelCore::CallEnd(const ClientContext* context,
                                absl::Time start) const {
  absl::Time end = context != nullptr ? context->DeadlineFrom(start)
                                      : absl::InfiniteFuture();
  // A context that sets no deadline takes the channel's default.
  if (end == absl::InfiniteFuture()) end = start + options_.default_timeout;
  return end;
}

absl::Status ChannelCore::CallIntercepted(
    absl::string_view method, const google::protobuf::Message& request,
    google::protobuf::Message* response, ClientContext* context,
    absl::Time start, absl::Duration budget, const Deadline& deadline,
    MethodMetrics* counted) {
  // Interceptors see a context even when the caller passed none: this one
  // receives the response metadata.
  ClientContext no_context;
  ClientContext& used = context != nullptr ? *context : no_context;
  // Cleared now, not only by Send: a rejected call has none either.
  used.mutable_response_metadata()->clear();
  ClientCallInfo info(method, target_, start + budget, used);
  size_t called = 0;
  absl::Status status = BeforeCalls(info, &called);
  if (status.ok()) {
    status = Send(method, request, response, &used, budget, deadline,
                  &info.metadata(), counted);
  }
  AfterCalls(info, called, status, start, request, *response);
  return status;
}

absl::Status ChannelCore::BeforeCalls(ClientCallInfo& info,
                                      size_t* called) const {
  for (const std::shared_ptr<ClientInterceptor>& interceptor :
       options_.interceptors) {
    ++*called;
    absl::Status status = interceptor->BeforeCall(info);
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

void ChannelCore::AfterCalls(const ClientCallInfo& info, size_t called,
                             const absl::Status& status, absl::Time start,
                             const google::protobuf::Message& request,
                             const google::protobuf::Message& response) const {
  CallSummary summary;
  summary.status = status;
  summary.duration = absl::Now() - start;
  summary.request_bytes = request.ByteSizeLong();
  if (status.ok()) summary.response_bytes = response.ByteSizeLong();
  for (size_t i = called; i > 0; --i) {
    options_.interceptors[i - 1]->AfterCall(info, summary);
  }
}

absl::Status ChannelCore::Send(absl::string_view method,
                               const google::protobuf::Message& request,
                               google::protobuf::Message* response,
                               ClientContext* context,
                               absl::Duration budget, const Deadline& deadline,
                               const Metadata* metadata,
                               MethodMetrics* counted) {
  if (context != nullptr) context->mutable_response_metadata()->clear();
  if (deadline.Expired()) {
    return CallDeadlineExceeded(method, target_, budget,
                                "before the call started");
  }
  const bool wait_for_ready = context != nullptr && context->wait_for_ready();
  CallCancellation cancellation(context);
  if (!cancellation.Watch(&ChannelCore::WakeWaiters, this)) {
    return CallCancelled(method, target_, "before the call started");
  }
  // The endpoint that turned the last attempt away: the next goes elsewhere
  // if it can (a replica that drains says so on every new connection until
  // it has stopped listening).
  const Endpoint* turned_away = nullptr;
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<Route> route = FindRoute(method, deadline, budget,
                                            wait_for_ready, turned_away,
                                            cancellation);
    if (!route.ok()) return route.status();
    ClientConnection& connection = *route->connection;
    PendingCall call(method, response, context);
    if (metadata != nullptr) call.request_metadata = metadata;
    ClientConnection::CancelTarget cancel_target{&connection, &call};
    bool resend_safe = false;
    absl::Status status;
    if (cancellation.Watch(&ClientConnection::CancelHook, &cancel_target)) {
      absl::Time attempt_start;
      if (counted != nullptr) {
        counted->attempts.RecordStart();
        attempt_start = absl::Now();
      }
      status = connection.Call(request, &call, deadline, budget, &resend_safe);
      if (counted != nullptr) {
        counted->RecordAttempt(status, absl::Now() - attempt_start, request,
                               *response);
      }
      // Before `call` goes: a cancellation must not reach it any more.
      cancellation.Watch(&ChannelCore::WakeWaiters, this);
    } else {
      status = CallCancelled(method, target_, "before it was sent");
    }
    EndRoute(*route);
    if (!resend_safe || attempt == kMaxAttempts) return status;
    turned_away = route->endpoint;
    if (context != nullptr) context->mutable_response_metadata()->clear();
  }
}

void ChannelCore::EndRoute(const Route& route) {
  route.endpoint->Release(route.connection.get());
  route.endpoint->CallEnded();
  if (route.connection->broken() && finder_->names_hosts()) {
    // The endpoint may have gone for good: look at the name again soon.
    std::lock_guard<std::mutex> lock(mu_);
    UpkeepLocked().RequestRefresh();
  }
}

absl::StatusOr<ChannelCore::Route> ChannelCore::FindRoute(
    absl::string_view method, const Deadline& deadline, absl::Duration budget,
    bool wait_for_ready, const Endpoint* avoid,
    CallCancellation& cancellation) {
  std::vector<const Endpoint*> tried;
  std::vector<std::string> failures;
  // A target of one fixed address: the ready endpoint without the lock.
  if (Endpoint* sole = sole_endpoint_.load(std::memory_order_acquire)) {
    if (sole->state() == Endpoint::State::kReady &&
        sole->health() != Endpoint::Health::kNotServing) {
      sole->CallStarted();
      absl::StatusOr<std::shared_ptr<ClientConnection>> connection =
          ConnectionFrom(*sole, method, deadline, budget, cancellation);
      if (connection.ok()) return Route{sole, nullptr, *std::move(connection)};
      if (connection.status().code() != absl::StatusCode::kUnavailable) {
        return connection.status();
      }
      failures.push_back(std::string(connection.status().message()));
      tried.push_back(sole);
    }
  }
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (endpoints_.empty()) {
      absl::Status found =
          ResolveFirstLocked(lock, method, deadline, budget, cancellation);
      if (found.ok()) continue;
      if (!wait_for_ready ||
          found.code() != absl::StatusCode::kUnavailable) {
        return found;
      }
      failures = {std::string(resolve_error_.message())};
    }
    std::shared_ptr<Endpoint> endpoint;
    if (!endpoints_.empty()) {
      if (avoid != nullptr) {
        tried.push_back(avoid);
        endpoint = PickLocked(tried);
        tried.pop_back();
      }
      if (endpoint == nullptr) endpoint = PickLocked(tried);
    }
    if (endpoint == nullptr && !wait_for_ready && tried.empty()) {
      // Every endpoint waits out a backoff. A call that does not wait for
      // ready still tries the one whose backoff ends first, once, so a
      // restarted server is reached by the first call after it is back.
      for (const std::shared_ptr<Endpoint>& candidate : endpoints_) {
        if (candidate->health() == Endpoint::Health::kNotServing) continue;
        if (endpoint == nullptr ||
            candidate->backoff_end().NotAfter(endpoint->backoff_end())) {
          endpoint = candidate;
        }
      }
      if (endpoint != nullptr) endpoint->CallStarted();
    }
    if (endpoint == nullptr) {
      if (!wait_for_ready) return NoEndpointLocked(method, tried, failures);
      // Waits for a backoff to end, or for news: a connect ended, a health
      // answer came, the list changed, the call was cancelled.
      Deadline until = deadline;
      for (const std::shared_ptr<Endpoint>& candidate : endpoints_) {
        if (!candidate->backoff_over()) {
          until = Deadline::Earlier(until, candidate->backoff_end());
        }
      }
      if (endpoints_.empty()) {
        until = Deadline::Earlier(until, resolve_backoff_.next_attempt());
      }
      if (!cancellation.cancelled()) {
        if (until.infinite()) {
          changed_.wait(lock);
        } else {
          changed_.wait_until(lock, until.steady());
        }
      }
      if (cancellation.cancelled()) {
        return CallCancelled(method, target_,
                             "while waiting for the server to be ready");
      }
      if (deadline.Expired()) {
        return CallDeadlineExceeded(
            method, target_, budget,
            absl::StrCat("waiting for the server to be ready; last attempt: ",
                         absl::StrJoin(failures, "; ")));
      }
      tried.clear();
      continue;
    }
    lock.unlock();
    absl::StatusOr<std::shared_ptr<ClientConnection>> connection =
        ConnectionFrom(*endpoint, method, deadline, budget, cancellation);
    if (connection.ok()) {
      Endpoint* raw = endpoint.get();
      return Route{raw, std::move(endpoint), *std::move(connection)};
    }
    if (connection.status().code() != absl::StatusCode::kUnavailable) {
      return connection.status();  // the deadline, or a cancellation
    }
    // This endpoint failed: on to another.
    failures.push_back(std::string(connection.status().message()));
    tried.push_back(endpoint.get());
    lock.lock();
    if (finder_->names_hosts()) UpkeepLocked().RequestRefresh();
  }
}

absl::StatusOr<std::shared_ptr<ClientConnection>> ChannelCore::ConnectionFrom(
    Endpoint& endpoint, absl::string_view method, const Deadline& deadline,
    absl::Duration budget, CallCancellation& cancellation) {
  absl::StatusOr<std::shared_ptr<ClientConnection>> connection;
  if (cancellation.Watch(&Endpoint::WakeWaiters, &endpoint)) {
    connection = endpoint.GetConnection(method, deadline, budget, cancellation);
    cancellation.Watch(&ChannelCore::WakeWaiters, this);
  } else {
    connection = CallCancelled(method, target_, "before it was sent");
  }
  if (!connection.ok()) endpoint.CallEnded();
  return connection;
}

std::shared_ptr<Endpoint> ChannelCore::PickLocked(
    const std::vector<const Endpoint*>& tried) {
  auto can_take_calls = [&tried](const Endpoint& endpoint) {
    if (endpoint.health() == Endpoint::Health::kNotServing) return false;
    if (std::find(tried.begin(), tried.end(), &endpoint) != tried.end()) {
      return false;
    }
    return endpoint.state() != Endpoint::State::kFailing ||
           endpoint.backoff_over();
  };
  if (endpoints_.size() == 1) {  // the common case, without the balancer
    if (!can_take_calls(*endpoints_.front())) return nullptr;
    endpoints_.front()->CallStarted();
    return endpoints_.front();
  }
  absl::InlinedVector<LoadBalancer::Candidate, 8> candidates;
  absl::InlinedVector<Endpoint*, 8> picked_from;
  absl::InlinedVector<LoadBalancer::Candidate, 8> ready;
  for (const std::shared_ptr<Endpoint>& endpoint : endpoints_) {
    if (!can_take_calls(*endpoint)) continue;
    const LoadBalancer::Candidate candidate{endpoint.get(),
                                            endpoint->calls_in_flight()};
    candidates.push_back(candidate);
    picked_from.push_back(endpoint.get());
    if (endpoint->state() == Endpoint::State::kReady) {
      ready.push_back(candidate);
    }
  }
  if (candidates.empty()) return nullptr;
  Endpoint* chosen = picked_from[balancer_.Pick(candidates)];
  if (balancer_.policy() != LoadBalancing::kPickFirst &&
      chosen->state() != Endpoint::State::kReady && !ready.empty()) {
    // Connected in the background; this call goes to a ready one.
    if (chosen->state() != Endpoint::State::kConnecting &&
        chosen->ClaimBackgroundConnect()) {
      std::weak_ptr<Endpoint> weak;
      for (const std::shared_ptr<Endpoint>& endpoint : endpoints_) {
        if (endpoint.get() == chosen) weak = endpoint;
      }
      UpkeepLocked().Post([weak] {
        if (std::shared_ptr<Endpoint> endpoint = weak.lock()) {
          endpoint->Connect();
        }
      });
    }
    chosen = static_cast<Endpoint*>(
        const_cast<void*>(ready[balancer_.Pick(ready)].id));
  }
  for (const std::shared_ptr<Endpoint>& endpoint : endpoints_) {
    if (endpoint.get() == chosen) {
      endpoint->CallStarted();
      return endpoint;
    }
  }
  return nullptr;  // unreachable: `chosen` is one of endpoints_
}

absl::Status ChannelCore::ResolveFirstLocked(
    std::unique_lock<std::mutex>& lock, absl::string_view method,
    const Deadline& deadline, absl::Duration budget,
    const CallCancellation& cancellation) {
  while (resolving_) {
    const uint64_t seen = resolutions_;
    auto done = [&] { return !resolving_ || cancellation.cancelled(); };
    if (deadline.infinite()) {
      changed_.wait(lock, done);
    } else if (!changed_.wait_until(lock, deadline.steady(), done)) {
      return CallDeadlineExceeded(method, target_, budget,
                                  "while resolving the target");
    }
    if (cancellation.cancelled()) {
      return CallCancelled(method, target_, "while resolving the target");
    }
    if (!endpoints_.empty()) return absl::OkStatus();
    if (resolutions_ != seen && !resolve_error_.ok()) {
      return CallError(resolve_error_, method, target_);
    }
  }
  if (!endpoints_.empty()) return absl::OkStatus();
  resolving_ = true;
  lock.unlock();
  const Deadline lookup_deadline =
      Deadline::Earlier(deadline, Deadline::After(options_.connect_timeout));
  absl::StatusOr<std::vector<ResolvedAddress>> found =
      finder_->Find(lookup_deadline);
  lock.lock();
  resolving_ = false;
  ++resolutions_;
  changed_.notify_all();
  if (found.ok() && !found->empty()) {
    SetAddressesLocked(*found);
    resolve_error_ = absl::OkStatus();
    resolve_backoff_.Succeeded();
    if (!finder_->names_hosts() && endpoints_.size() == 1) {
      // Never looked up again, so this endpoint is the target's for good.
      sole_endpoint_.store(endpoints_.front().get(), std::memory_order_release);
    }
    // From now on the name is looked up, and the endpoints' health asked,
    // in the background. Not left to the first background connect: under
    // kPickFirst, or with one address, there is none.
    if (finder_->names_hosts() || options_.health_check) UpkeepLocked();
    return absl::OkStatus();
  }
  if (found.ok()) {
    found = absl::UnavailableError(absl::StrCat("no address for ", target_));
  }
  if (found.status().code() == absl::StatusCode::kDeadlineExceeded) {
    if (deadline.NotAfter(lookup_deadline)) {
      // The call's own deadline cut the lookup short: nothing to share.
      return CallDeadlineExceeded(method, target_, budget,
                                  found.status().message());
    }
    found = absl::UnavailableError(found.status().message());
  }
  resolve_error_ = found.status();
  resolve_backoff_.Failed();
  return CallError(resolve_error_, method, target_);
}

void ChannelCore::SetAddressesLocked(
    const std::vector<ResolvedAddress>& addresses) {
  std::vector<std::shared_ptr<Endpoint>> updated;
  for (const ResolvedAddress& address : addresses) {
    bool listed = false;
    for (const std::shared_ptr<Endpoint>& endpoint : updated) {
      listed = listed || SameAddress(endpoint->address(), address);
    }
    if (listed) continue;
    std::shared_ptr<Endpoint> kept;
    for (const std::shared_ptr<Endpoint>& endpoint : endpoints_) {
      if (SameAddress(endpoint->address(), address)) kept = endpoint;
    }
    if (kept == nullptr) {
      kept = std::make_shared<Endpoint>(address, target_, options_, tls_,
                                        [this] { Changed(); });
    }
    updated.push_back(std::move(kept));
  }
  // Endpoints left out live on while calls run on them; their connections
  // close with the last one.
  endpoints_ = std::move(updated);
  changed_.notify_all();
}

void ChannelCore::Refresh() {
  absl::StatusOr<std::vector<ResolvedAddress>> found =
      finder_->Find(Deadline::After(options_.connect_timeout));
  std::lock_guard<std::mutex> lock(mu_);
  if (found.ok() && !found->empty()) {
    SetAddressesLocked(*found);
    resolve_error_ = absl::OkStatus();
    return;
  }
  // Keeps the addresses it had: a name that stops resolving (a DNS server
  // down, a record briefly gone) should not take working servers away.
  resolve_error_ = found.ok() ? absl::UnavailableError(absl::StrCat(
                                    "no address for ", target_))
                              : found.status();
}

void ChannelCore::CheckHealth() {
  std::vector<std::shared_ptr<Endpoint>> endpoints;
  {
    std::lock_guard<std::mutex> lock(mu_);
    endpoints = endpoints_;
  }
  for (const std::shared_ptr<Endpoint>& endpoint : endpoints) {
    endpoint->CheckHealth(options_.connect_timeout);
  }
  Changed();
}

ChannelUpkeep& ChannelCore::UpkeepLocked() {
  if (upkeep_ == nullptr) {
    ChannelUpkeep::Jobs jobs;
    if (finder_->names_hosts()) {
      jobs.refresh = [this] { Refresh(); };
      jobs.refresh_interval = options_.dns_refresh_interval;
    }
    if (options_.health_check) {
      jobs.check_health = [this] { CheckHealth(); };
      jobs.health_interval = kHealthCheckInterval;
    }
    upkeep_ = std::make_unique<ChannelUpkeep>(std::move(jobs));
  }
  return *upkeep_;
}

void ChannelCore::Changed() {
  // Under the lock, so that a waiter between its check and its wait cannot
  // miss the signal.
  std::lock_guard<std::mutex> lock(mu_);
  changed_.notify_all();
}

void ChannelCore::WakeWaiters(void* arg) {
  static_cast<ChannelCore*>(arg)->Changed();
}

absl::Status ChannelCore::NoEndpointLocked(
    absl::string_view method, const std::vector<const Endpoint*>& tried,
    const std::vector<std::string>& failures) {
  // What this call met, then why the others are out (waiting out a backoff
  // after their last failure, or not serving).
  std::vector<std::string> reasons = failures;
  for (const std::shared_ptr<Endpoint>& endpoint : endpoints_) {
    if (std::find(tried.begin(), tried.end(), endpoint.get()) != tried.end()) {
      continue;
    }
    const absl::Status error = endpoint->last_error();
    if (!error.ok()) reasons.push_back(std::string(error.message()));
  }
  std::string cause = reasons.empty() ? "no endpoint can take calls"
                                      : absl::StrJoin(reasons, "; ");
  if (!resolve_error_.ok() && !endpoints_.empty()) {
    absl::StrAppend(&cause, " (the target's last lookup failed, so these are ",
                    "the addresses found before it: ",
                    resolve_error_.message(), ")");
  }
  return CallError(absl::StatusCode::kUnavailable, method, target_, cause);
}

}  // namespace internal
}  // namespace framerpc
