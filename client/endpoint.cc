#include "client/endpoint.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/human_duration.h"
#include "base/tcp_keepalive.h"
#include "base/unshared_status.h"
#include "client/call_status.h"
#include "client/connector.h"
#include "client/health_probe.h"
#include "client/tls_handshake.h"

namespace framerpc {
namespace internal {

namespace {

// The IP literal of a TCP address, "127.0.0.2" or "::1", which a server's
// certificate must carry when the target named no host.
std::string IpLiteral(const ResolvedAddress& address) {
  char text[INET6_ADDRSTRLEN] = {};
  if (address.family() == AF_INET) {
    const auto* v4 = reinterpret_cast<const sockaddr_in*>(&address.storage);
    ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
  } else if (address.family() == AF_INET6) {
    const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&address.storage);
    ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
  }
  return text;
}

}  // namespace

Endpoint::Endpoint(const ResolvedAddress& address, std::string target,
                   const ChannelOptions& options,
                   std::shared_ptr<const ClientTls> tls,
                   std::function<void()> on_change)
    : address_(address),
      name_(SockaddrToString(
          reinterpret_cast<const sockaddr*>(&address.storage),
          address.length)),
      target_(std::move(target)),
      options_(options),
      tls_(std::move(tls)),
      tls_host_(tls_ == nullptr              ? std::string()
                : !tls_->server_name.empty() ? tls_->server_name
                                             : IpLiteral(address)),
      tls_sessions_(std::make_shared<TlsSessionCache>()),
      max_connections_(
          static_cast<size_t>(std::max(options.max_connections, 1))),
      on_change_(std::move(on_change)),
      // Endpoints created together should not retry together.
      backoff_(static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
               reinterpret_cast<uintptr_t>(this)) {}

bool Endpoint::backoff_over() const {
  std::lock_guard<std::mutex> lock(mu_);
  return backoff_.next_attempt().Expired();
}

Deadline Endpoint::backoff_end() const {
  std::lock_guard<std::mutex> lock(mu_);
  return backoff_.next_attempt();
}

absl::Status Endpoint::last_error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return UnsharedStatus(last_error_);
}

void Endpoint::WakeWaiters(void* arg) {
  Endpoint* endpoint = static_cast<Endpoint*>(arg);
  // Under the lock, so that a waiter between its check of the flag and its
  // wait cannot miss the signal.
  std::lock_guard<std::mutex> lock(endpoint->mu_);
  endpoint->connect_done_.notify_all();
}

std::shared_ptr<ClientConnection> Endpoint::PickLocked(bool may_grow) {
  const size_t before = pool_.size();
  pool_.erase(std::remove_if(pool_.begin(), pool_.end(),
                             [](const Pooled& pooled) {
                               return !pooled.connection->accepts_calls();
                             }),
              pool_.end());
  if (pool_.size() != before) UpdateStateLocked();
  if (pool_.empty()) return nullptr;
  if (max_connections_ == 1) return pool_.front().connection;  // not counted
  auto least = std::min_element(
      pool_.begin(), pool_.end(),
      [](const Pooled& a, const Pooled& b) { return a.calls < b.calls; });
  if (least->calls > 0 && may_grow && pool_.size() < max_connections_ &&
      !connecting_) {
    return nullptr;
  }
  ++least->calls;
  return least->connection;
}

std::shared_ptr<ClientConnection> Endpoint::OpenConnectionLocked() const {
  for (const Pooled& pooled : pool_) {
    if (pooled.connection->accepts_calls()) return pooled.connection;
  }
  return nullptr;
}

void Endpoint::UpdateStateLocked() {
  State state = State::kIdle;
  if (!pool_.empty()) {
    state = State::kReady;
  } else if (connecting_) {
    state = State::kConnecting;
  } else if (!last_connect_error_.ok()) {
    state = State::kFailing;
  }
  state_.store(state, std::memory_order_release);
}

void Endpoint::Release(const ClientConnection* connection) {
  if (max_connections_ == 1) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (Pooled& pooled : pool_) {
    if (pooled.connection.get() == connection) {
      --pooled.calls;
      return;
    }
  }
  // Not found: it broke and left the pool.
}

absl::StatusOr<std::shared_ptr<ClientConnection>> Endpoint::Dial(
    const Deadline& connect_deadline) {
  absl::StatusOr<UniqueFd> fd = ConnectToFirst({address_}, connect_deadline);
  if (fd.ok() && address_.family() != AF_UNIX) {
    absl::Status kept = SetTcpKeepalive(fd->get(), options_.keepalive_time,
                                        options_.keepalive_timeout);
    if (!kept.ok()) return kept;
  }
  if (!fd.ok()) return fd.status();
  std::unique_ptr<TlsStream> tls;
  if (tls_ != nullptr) {
    absl::StatusOr<std::unique_ptr<TlsStream>> handshaken = ClientHandshake(
        *tls_, fd->get(), tls_host_, *tls_sessions_, name_, connect_deadline);
    if (!handshaken.ok()) return handshaken.status();
    tls = *std::move(handshaken);
  }
  auto connection = std::make_shared<ClientConnection>(
      std::move(*fd), target_, options_.max_frame_size,
      MetadataLimits{options_.max_metadata_entries,
                     options_.max_metadata_bytes},
      KeepaliveOptions{options_.keepalive_time, options_.keepalive_timeout},
      std::move(tls), tls_sessions_);
  if (options_.health_check) {
    // Kept open even when not serving: the periodic checks ask on it.
    absl::Status asked =
        RecordHealth(AskServing(*connection, connect_deadline));
    if (!asked.ok() && health() != Health::kNotServing) return asked;
  }
  return connection;
}

absl::Status Endpoint::RecordHealth(const absl::StatusOr<bool>& serving) {
  if (!serving.ok()) {
    return absl::UnavailableError(absl::StrCat(
        "health check of ", name_, ": ", serving.status().message()));
  }
  health_.store(*serving ? Health::kServing : Health::kNotServing,
                std::memory_order_release);
  absl::Status status;
  if (!*serving) {
    status = absl::UnavailableError(
        absl::StrCat(name_, " reports it is not serving (framerpc.health)"));
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_error_ = UnsharedStatus(status);
  }
  return status;
}

void Endpoint::ConnectEndedLocked(const absl::Status& status) {
  connecting_ = false;
  ++connect_attempts_;
  connect_done_.notify_all();
  if (status.ok()) {
    last_connect_error_ = absl::OkStatus();
    if (health() != Health::kNotServing) last_error_ = absl::OkStatus();
    backoff_.Succeeded();
  } else {
    // The caller goes on with `status` on its own thread.
    last_connect_error_ = UnsharedStatus(status);
    last_error_ = UnsharedStatus(status);
    backoff_.Failed();
  }
  UpdateStateLocked();
}

absl::StatusOr<std::shared_ptr<ClientConnection>> Endpoint::GetConnection(
    absl::string_view method, const Deadline& deadline, absl::Duration budget,
    const CallCancellation& cancellation) {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    std::shared_ptr<ClientConnection> open = PickLocked(/*may_grow=*/true);
    if (open != nullptr) return open;
    if (connecting_) {
      const uint64_t attempt = connect_attempts_;
      auto done = [&] { return !connecting_ || cancellation.cancelled(); };
      if (deadline.infinite()) {
        connect_done_.wait(lock, done);
      } else if (!connect_done_.wait_until(lock, deadline.steady(), done)) {
        return CallDeadlineExceeded(method, target_, budget,
                                    "while waiting for the connection");
      }
      if (cancellation.cancelled()) {
        return CallCancelled(method, target_,
                             "while waiting for the connection");
      }
      if (connect_attempts_ != attempt && !last_connect_error_.ok()) {
        return UnsharedStatus(last_connect_error_);
      }
      continue;
    }
    connecting_ = true;
    UpdateStateLocked();
    lock.unlock();

    const Deadline connect_deadline =
        Deadline::Earlier(deadline, Deadline::After(options_.connect_timeout));
    absl::StatusOr<std::shared_ptr<ClientConnection>> connection =
        Dial(connect_deadline);

    lock.lock();
    if (connection.ok()) {
      const bool serving = health() != Health::kNotServing;
      pool_.push_back(
          Pooled{*connection, max_connections_ > 1 && serving ? 1 : 0});
      ConnectEndedLocked(absl::OkStatus());
      absl::Status not_serving = UnsharedStatus(last_error_);
      lock.unlock();
      on_change_();
      if (!serving) return not_serving;
      return connection;
    }
    absl::Status failure = connection.status();
    if (failure.code() == absl::StatusCode::kDeadlineExceeded) {
      if (deadline.NotAfter(connect_deadline)) {
        // The call's own deadline cut the attempt short: nothing to share,
        // and nothing learnt about the endpoint.
        connecting_ = false;
        connect_done_.notify_all();
        UpdateStateLocked();
        lock.unlock();
        on_change_();
        return CallDeadlineExceeded(method, target_, budget,
                                    failure.message());
      }
      failure = absl::UnavailableError(
          absl::StrCat(failure.message(), " after ",
                       HumanDuration(options_.connect_timeout),
                       " (ChannelOptions::connect_timeout)"));
    }
    ConnectEndedLocked(failure);
    // One more connection failed to open, but open ones can still carry the
    // call.
    open = PickLocked(/*may_grow=*/false);
    lock.unlock();
    on_change_();
    if (open != nullptr) return open;
    return failure;
  }
}

bool Endpoint::ClaimBackgroundConnect() {
  return !background_connect_claimed_.exchange(true,
                                               std::memory_order_acq_rel);
}

void Endpoint::Connect() {
  background_connect_claimed_.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (connecting_ || OpenConnectionLocked() != nullptr) {
      return;
    }
  }
  CallCancellation none(nullptr);
  absl::StatusOr<std::shared_ptr<ClientConnection>> connection =
      GetConnection("(background connect)", Deadline::Infinite(),
                    absl::InfiniteDuration(), none);
  // A failure is the endpoint's state now (failing, with its error).
  if (connection.ok()) Release(connection->get());
}

void Endpoint::CheckHealth(absl::Duration timeout) {
  std::shared_ptr<ClientConnection> connection;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connection = OpenConnectionLocked();
  }
  if (connection == nullptr) {
    // One that said NOT_SERVING is asked again on a new connection.
    if (health() == Health::kNotServing) Connect();
    return;
  }
  absl::StatusOr<bool> serving =
      AskServing(*connection, Deadline::After(timeout));
  // A check that could not be made (the connection broke, no answer in
  // time) changes nothing: the connection's own failure is what counts.
  if (serving.ok()) RecordHealth(serving).IgnoreError();  // recorded
}

}  // namespace internal
}  // namespace framerpc
