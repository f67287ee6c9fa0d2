#include "test_service_impl.h"

#include <stdexcept>
#include <string>
#include <thread>

#include "absl/time/clock.h"

namespace framerpc::e2e {

absl::Status TestServiceImpl::Echo(ServerContext& context,
                                   const EchoRequest& request,
                                   EchoReply* reply) {
  ++started_;
  if (on_start_) on_start_(request);
  if (request.wait_for_gate()) {
    std::unique_lock<std::mutex> lock(mu_);
    ++waiting_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return gate_open_; });
  }
  if (request.wait_for_cancel()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++cancel_waiters_;
      cv_.notify_all();
    }
    // IsCancelled() is a flag the connection sets, with nothing to wait
    // on: look every 2 ms, for at most 30 s so that no test can hang here.
    const absl::Time give_up = absl::Now() + absl::Seconds(30);
    while (!context.IsCancelled() && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(2));
    }
    if (!context.IsCancelled()) {
      return absl::DeadlineExceededError("waited 30 s for a cancellation");
    }
    std::lock_guard<std::mutex> lock(mu_);
    if (!cancel_seen_.has_value()) cancel_seen_ = absl::Now();
    cv_.notify_all();
    return absl::CancelledError("the caller cancelled or went away");
  }
  if (request.sleep_ms() > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(request.sleep_ms()));
  }
  if (request.throw_exception()) throw std::runtime_error(request.text());
  if (!request.echo_metadata_key().empty()) {
    auto it = context.metadata().find(request.echo_metadata_key());
    if (it != context.metadata().end()) {
      context.AddResponseMetadata(it->first, it->second);
    }
  }
  if (request.fail_code() != 0) {
    return absl::Status(static_cast<absl::StatusCode>(request.fail_code()),
                        request.fail_message());
  }
  reply->set_text(request.text());
  if (request.reply_padding() > 0) {
    reply->mutable_text()->append(static_cast<size_t>(request.reply_padding()),
                                  'p');
  }
  reply->set_peer(context.peer());
  reply->set_method(context.method());
  reply->set_deadline_left_us(
      context.deadline() == absl::InfiniteFuture()
          ? -1
          : absl::ToInt64Microseconds(context.deadline() - absl::Now()));
  return absl::OkStatus();
}

void TestServiceImpl::OpenGate() {
  std::lock_guard<std::mutex> lock(mu_);
  gate_open_ = true;
  cv_.notify_all();
}

bool TestServiceImpl::AwaitWaiters(int count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return waiting_ >= count; });
}

bool TestServiceImpl::AwaitCancelWaiters(int count, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
                      [&] { return cancel_waiters_ >= count; });
}

absl::optional<absl::Time> TestServiceImpl::AwaitCancelSeen(
    absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout),
               [&] { return cancel_seen_.has_value(); });
  return cancel_seen_;
}

}  // namespace framerpc::e2e
