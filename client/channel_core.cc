#include "client/channel_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "base/human_duration.h"
#include "base/tcp_keepalive.h"
#include "client/call_status.h"
#include "client/call_table.h"

namespace framerpc {
namespace internal {
namespace {

// A call the server never processed (docs/api.md §5.3) is sent at most
// this often in all, each time on a connection that takes new calls, then
// fails with the last attempt's status: a server that keeps turning calls
// away is not hammered, and a connection that breaks between the lookup and
// the registration costs an attempt too.
constexpr int kMaxAttempts = 3;

}  // namespace

ChannelCore::ChannelCore(std::string target, std::unique_ptr<Dialer> dialer,
                         ChannelOptions options)
    : target_(std::move(target)),
      dialer_(std::move(dialer)),
      options_(options),
      max_connections_(
          static_cast<size_t>(std::max(options.max_connections, 1))),
      // Channels created together should not retry together.
      backoff_(static_cast<uint64_t>(absl::ToUnixNanos(absl::Now())) ^
               reinterpret_cast<uintptr_t>(this)) {}

absl::Status ChannelCore::Call(absl::string_view method,
                               const google::protobuf::Message& request,
                               google::protobuf::Message* response,
                               ClientContext* context) {
  if (response == nullptr) {
    return CallError(absl::StatusCode::kInvalidArgument, method, target_,
                     "response message is null");
  }
  const absl::Time start = absl::Now();
  absl::Time end = context != nullptr ? context->DeadlineFrom(start)
                                      : absl::InfiniteFuture();
  // A context that sets no deadline takes the channel's default.
  if (end == absl::InfiniteFuture()) end = start + options_.default_timeout;
  const absl::Duration budget = end - start;
  const Deadline deadline = Deadline::After(budget);
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
  for (int attempt = 1;; ++attempt) {
    absl::StatusOr<std::shared_ptr<ClientConnection>> connection =
        GetConnection(method, deadline, budget, wait_for_ready, cancellation);
    if (!connection.ok()) return connection.status();
    PendingCall call(method, response, context);
    ClientConnection::CancelTarget cancel_target{connection->get(), &call};
    bool resend_safe = false;
    absl::Status status;
    if (cancellation.Watch(&ClientConnection::CancelHook, &cancel_target)) {
      status =
          (*connection)->Call(request, &call, deadline, budget, &resend_safe);
      // Before `call` goes: a cancellation must not reach it any more.
      cancellation.Watch(&ChannelCore::WakeWaiters, this);
    } else {
      status = CallCancelled(method, target_, "before it was sent");
    }
    Release(connection->get());
    if (!resend_safe || attempt == kMaxAttempts) return status;
    if (context != nullptr) context->mutable_response_metadata()->clear();
  }
}

void ChannelCore::WakeWaiters(void* arg) {
  ChannelCore* core = static_cast<ChannelCore*>(arg);
  // Under the lock, so that a waiter between its check of the flag and its
  // wait cannot miss the signal.
  std::lock_guard<std::mutex> lock(core->mu_);
  core->connect_done_.notify_all();
}

std::shared_ptr<ClientConnection> ChannelCore::PickLocked(bool may_grow) {
  pool_.erase(std::remove_if(pool_.begin(), pool_.end(),
                             [](const Pooled& pooled) {
                               return !pooled.connection->accepts_calls();
                             }),
              pool_.end());
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

void ChannelCore::Release(const ClientConnection* connection) {
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

absl::StatusOr<std::shared_ptr<ClientConnection>> ChannelCore::GetConnection(
    absl::string_view method, const Deadline& deadline, absl::Duration budget,
    bool wait_for_ready, const CallCancellation& cancellation) {
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
      if (connect_attempts_ != attempt && !last_connect_error_.ok() &&
          !wait_for_ready) {
        return CallError(last_connect_error_, method, target_);
      }
      continue;
    }
    if (wait_for_ready && !backoff_.next_attempt().Expired()) {
      // Waits out the backoff, or less if another caller connects.
      const Deadline until =
          Deadline::Earlier(deadline, backoff_.next_attempt());
      const uint64_t attempts = connect_attempts_;
      connect_done_.wait_until(lock, until.steady(), [&] {
        return cancellation.cancelled() || connect_attempts_ != attempts;
      });
      if (cancellation.cancelled()) {
        return CallCancelled(method, target_,
                             "while waiting for the server to be ready");
      }
      if (deadline.Expired()) {
        return CallDeadlineExceeded(
            method, target_, budget,
            absl::StrCat("waiting for the server to be ready; last attempt: ",
                         last_connect_error_.message()));
      }
      continue;
    }
    connecting_ = true;
    lock.unlock();

    const Deadline connect_deadline =
        Deadline::Earlier(deadline, Deadline::After(options_.connect_timeout));
    absl::StatusOr<UniqueFd> fd = dialer_->Dial(connect_deadline);

    lock.lock();
    connecting_ = false;
    ++connect_attempts_;
    connect_done_.notify_all();
    if (fd.ok() && !dialer_->is_unix()) {
      absl::Status kept = SetTcpKeepalive(fd->get(), options_.keepalive_time,
                                          options_.keepalive_timeout);
      if (!kept.ok()) fd = absl::StatusOr<UniqueFd>(std::move(kept));
    }
    if (fd.ok()) {
      last_connect_error_ = absl::OkStatus();
      backoff_.Succeeded();
      auto connection = std::make_shared<ClientConnection>(
          std::move(*fd), target_, options_.max_frame_size,
          MetadataLimits{options_.max_metadata_entries,
                         options_.max_metadata_bytes},
          KeepaliveOptions{options_.keepalive_time,
                           options_.keepalive_timeout});
      pool_.push_back(Pooled{connection, max_connections_ > 1 ? 1 : 0});
      return connection;
    }
    if (fd.status().code() == absl::StatusCode::kDeadlineExceeded) {
      if (deadline.NotAfter(connect_deadline)) {
        // The call's own deadline cut the attempt short: nothing to share.
        last_connect_error_ = absl::OkStatus();
        return CallDeadlineExceeded(method, target_, budget,
                                    fd.status().message());
      }
      last_connect_error_ = absl::UnavailableError(
          absl::StrCat(fd.status().message(), " after ",
                       HumanDuration(options_.connect_timeout),
                       " (ChannelOptions::connect_timeout)"));
    } else {
      last_connect_error_ = fd.status();
    }
    backoff_.Failed();
    // One more connection failed to open, but open ones can still carry the
    // call.
    open = PickLocked(/*may_grow=*/false);
    if (open != nullptr) return open;
    if (!wait_for_ready) return CallError(last_connect_error_, method, target_);
    // Waits for the server: around again, after the backoff.
  }
}

}  // namespace internal
}  // namespace framerpc
