#include "tests/server/test_service.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace framerpc {
namespace test {
namespace {

std::chrono::nanoseconds ToChrono(absl::Duration d) {
  return std::chrono::nanoseconds(absl::ToInt64Nanoseconds(d));
}

}  // namespace

bool Gate::Pass(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  ++arrivals_;
  cv_.notify_all();
  return cv_.wait_for(lock, ToChrono(timeout), [this] { return open_; });
}

void Gate::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = true;
  cv_.notify_all();
}

bool Gate::WaitForArrivals(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, ToChrono(timeout), [&] { return arrivals_ >= n; });
}

int Gate::arrivals() {
  std::lock_guard<std::mutex> lock(mu_);
  return arrivals_;
}

constexpr char TestService::kName[];

std::string TestService::Method(absl::string_view name) {
  return absl::StrCat(kName, "/", name);
}

TestService::TestService() : Service(kName) {
  AddUnaryMethod("Echo", &TestService::Echo);
  AddUnaryMethod("Inspect", &TestService::Inspect);
  AddUnaryMethod("Fail", &TestService::Fail);
  AddUnaryMethod("Throw", &TestService::Throw);
  AddUnaryMethod("ThrowInt", &TestService::ThrowInt);
  AddUnaryMethod("Block", &TestService::Block);
  AddUnaryMethod("Count", &TestService::Count);
  AddUnaryMethod("Sized", &TestService::Sized);
  AddUnaryMethod("Concurrent", &TestService::Concurrent);
  AddUnaryMethod("AwaitCancel", &TestService::AwaitCancel);
}

absl::Status TestService::Echo(ServerContext&, const TestRequest& request,
                               TestReply* reply) {
  reply->set_text(request.text());
  return absl::OkStatus();
}

absl::Status TestService::Inspect(ServerContext& context,
                                  const TestRequest& request,
                                  TestReply* reply) {
  reply->set_text(request.text());
  reply->set_peer(context.peer());
  reply->set_peer_identity(context.peer_identity());
  reply->set_method(context.method());
  if (context.deadline() != absl::InfiniteFuture()) {
    reply->set_deadline_unix_us(absl::ToUnixMicros(context.deadline()));
  }
  for (const auto& entry : context.metadata()) {
    (*reply->mutable_metadata())[entry.first] = entry.second;
    context.AddResponseMetadata(absl::StrCat("echo-", entry.first),
                                entry.second);
  }
  return absl::OkStatus();
}

absl::Status TestService::Fail(ServerContext& context,
                               const TestRequest& request, TestReply*) {
  context.AddResponseMetadata("x-failed", "yes");
  return absl::Status(static_cast<absl::StatusCode>(request.code()),
                      request.message());
}

absl::Status TestService::Throw(ServerContext&, const TestRequest& request,
                                TestReply*) {
  throw std::runtime_error(request.text());
}

absl::Status TestService::ThrowInt(ServerContext&, const TestRequest&,
                                   TestReply*) {
  throw 42;
}

absl::Status TestService::Block(ServerContext&, const TestRequest& request,
                                TestReply* reply) {
  gate_.Pass(absl::Seconds(60));
  if (request.code() > 0) {
    reply->set_text(std::string(static_cast<size_t>(request.code()), 'b'));
  } else {
    reply->set_text(request.text());
  }
  return absl::OkStatus();
}

absl::Status TestService::Count(ServerContext&, const TestRequest& request,
                                TestReply* reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
  }
  reply->set_text(request.text());
  return absl::OkStatus();
}

absl::Status TestService::Sized(ServerContext&, const TestRequest& request,
                                TestReply* reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++count_;
  }
  reply->set_text(std::string(static_cast<size_t>(request.code()), 'b'));
  return absl::OkStatus();
}

absl::Status TestService::Concurrent(ServerContext&, const TestRequest& request,
                                     TestReply* reply) {
  std::unique_lock<std::mutex> lock(mu_);
  ++running_;
  max_running_ = std::max(max_running_, running_);
  cv_.notify_all();
  cv_.wait_for(lock, std::chrono::milliseconds(20),
               [this] { return running_ > concurrency_limit_; });
  --running_;
  reply->set_text(request.text());
  return absl::OkStatus();
}

absl::Status TestService::AwaitCancel(ServerContext& context,
                                      const TestRequest&, TestReply* reply) {
  std::unique_lock<std::mutex> lock(mu_);
  ++await_cancel_arrivals_;
  cv_.notify_all();
  // IsCancelled() has no notification to wait on: look every millisecond.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!context.IsCancelled() && absl::Now() < give_up) {
    cv_.wait_for(lock, std::chrono::milliseconds(1));
  }
  const bool cancelled = context.IsCancelled();
  if (cancelled) {
    ++cancellations_seen_;
    cv_.notify_all();
  }
  reply->set_text(cancelled ? "cancelled" : "not cancelled");
  return absl::OkStatus();
}

int TestService::await_cancel_arrivals() {
  std::lock_guard<std::mutex> lock(mu_);
  return await_cancel_arrivals_;
}

int TestService::cancellations_seen() {
  std::lock_guard<std::mutex> lock(mu_);
  return cancellations_seen_;
}

bool TestService::WaitForAwaitCancelArrivals(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, ToChrono(timeout),
                      [&] { return await_cancel_arrivals_ >= n; });
}

bool TestService::WaitForCancellationsSeen(int n, absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, ToChrono(timeout),
                      [&] { return cancellations_seen_ >= n; });
}

int TestService::count() {
  std::lock_guard<std::mutex> lock(mu_);
  return count_;
}

int TestService::max_concurrency() {
  std::lock_guard<std::mutex> lock(mu_);
  return max_running_;
}

void TestService::set_concurrency_limit(int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  concurrency_limit_ = limit;
}

}  // namespace test
}  // namespace framerpc
