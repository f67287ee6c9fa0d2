// The fan-out example (examples/frontend) with a real kv server behind a
// real frontend server, both in this process on 127.0.0.1, in both forms
// (FrontendService::Form::kSync and kAsync): replies under concurrent load each
// match their request, the request id reaches both backend calls and comes
// back, the caller's deadline is passed down, and a backend that is down or too
// slow gives a prompt, clear error.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "framerpc/channel.h"
#include "framerpc/interceptor.h"
#include "framerpc/server.h"
#include "frontend.framerpc.h"
#include "frontend_service.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kv_service.h"
#include "kv_store.h"
#include "pair_calls.h"

namespace frontend {
namespace {

using ::testing::HasSubstr;

// A request id starting with this makes the backend slow: it answers only
// well after the call's deadline.
constexpr char kSlowPrefix[] = "slow-";
// How long past its deadline the slow backend answers.
constexpr absl::Duration kSlowBeyondDeadline = absl::Seconds(3);

// The kv server's interceptor: records, per request id, the deadline of
// every call that carried it, and plays the slow backend.
class BackendLog final : public framerpc::ServerInterceptor {
 public:
  absl::Status BeforeCall(framerpc::ServerContext& context) override {
    const auto it = context.metadata().find(kRequestIdKey);
    const std::string id = it == context.metadata().end() ? "" : it->second;
    {
      std::lock_guard<std::mutex> lock(mu_);
      deadlines_[id].push_back(context.deadline());
    }
    if (absl::StartsWith(id, kSlowPrefix)) {
      // Bounded even for a call without a deadline; stops early once the
      // caller is gone, as a real backend should.
      const absl::Time until =
          std::min(context.deadline() + kSlowBeyondDeadline,
                   absl::Now() + absl::Seconds(5));
      while (absl::Now() < until && !context.IsCancelled()) {
        absl::SleepFor(absl::Milliseconds(5));
      }
    }
    return absl::OkStatus();
  }

  // The deadlines of the calls that carried `id`, in arrival order.
  std::vector<absl::Time> DeadlinesOf(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return deadlines_[id];
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::vector<absl::Time>> deadlines_;
};

// The frontend's interceptor on its Channel to the kv server: records, per
// request id, how each backend call ended and when.
class BackendCallsEnded final : public framerpc::ClientInterceptor {
 public:
  struct Ended {
    absl::StatusCode code;
    absl::Time at;
  };

  void AfterCall(const framerpc::ClientCallInfo& call,
                 const framerpc::CallSummary& summary) override {
    const auto it = call.metadata().find(kRequestIdKey);
    const std::string id = it == call.metadata().end() ? "" : it->second;
    std::lock_guard<std::mutex> lock(mu_);
    ended_[id].push_back({summary.status.code(), absl::Now()});
    changed_.notify_all();
  }

  // The calls with `id` that ended, once `count` have, or when `timeout`
  // has passed.
  std::vector<Ended> WaitFor(const std::string& id, size_t count,
                             absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                      [&] { return ended_[id].size() >= count; });
    return ended_[id];
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<Ended>> ended_;
};

using Form = FrontendService::Form;

std::string FormName(const ::testing::TestParamInfo<Form>& info) {
  return info.param == Form::kSync ? "Sync" : "Async";
}

std::string ValueOf(const std::string& key) {
  return absl::StrCat("value of ", key);
}

class FrontendTest : public ::testing::TestWithParam<Form> {
 protected:
  static constexpr int kKeys = 64;

  void SetUp() override {
    for (int i = 0; i < kKeys; ++i) {
      const std::string key = absl::StrCat("key-", i);
      ASSERT_TRUE(store_.Put(key, ValueOf(key)).ok());
    }
    framerpc::ServerOptions kv_options;
    kv_options.interceptors.push_back(backend_log_);
    // The slow backend's interceptor holds a thread per call.
    kv_options.num_workers = 8;
    kv_server_ = std::make_unique<framerpc::Server>(kv_options);
    ASSERT_TRUE(kv_server_->AddService(&kv_service_).ok());
    ASSERT_TRUE(kv_server_->Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(kv_server_->Start().ok());
    StartFrontend(absl::StrCat("127.0.0.1:", kv_server_->port()));
  }

  void TearDown() override {
    StopFrontend();
    kv_server_->Shutdown(absl::Seconds(1));
    kv_server_->Wait();
  }

  // (Re)starts the frontend server, calling the kv service at `backend`.
  void StartFrontend(const std::string& backend) {
    StopFrontend();
    framerpc::ChannelOptions backend_options;
    backend_options.interceptors.push_back(backend_calls_);
    auto channel = framerpc::Channel::Create(backend, backend_options);
    ASSERT_TRUE(channel.ok()) << channel.status();
    frontend_ = std::make_unique<FrontendService>(*channel, GetParam());
    framerpc::ServerOptions options;
    // The sync form holds a thread per call in flight: one per client
    // thread of the load test, and some.
    options.num_workers = 24;
    frontend_server_ = std::make_unique<framerpc::Server>(options);
    ASSERT_TRUE(frontend_server_->AddService(frontend_.get()).ok());
    ASSERT_TRUE(frontend_server_->Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(frontend_server_->Start().ok());
    auto to_frontend = framerpc::Channel::Create(
        absl::StrCat("127.0.0.1:", frontend_server_->port()));
    ASSERT_TRUE(to_frontend.ok()) << to_frontend.status();
    stub_ = std::make_unique<Frontend::Stub>(*to_frontend);
  }

  void StopFrontend() {
    if (frontend_server_ == nullptr) return;
    frontend_server_->Shutdown(absl::Seconds(1));
    frontend_server_->Wait();
    frontend_server_.reset();
  }

  kv::KvStore store_;
  kv::KvService kv_service_{&store_};
  std::shared_ptr<BackendLog> backend_log_ = std::make_shared<BackendLog>();
  std::shared_ptr<BackendCallsEnded> backend_calls_ =
      std::make_shared<BackendCallsEnded>();
  std::unique_ptr<framerpc::Server> kv_server_;
  std::unique_ptr<FrontendService> frontend_;
  std::unique_ptr<framerpc::Server> frontend_server_;
  std::unique_ptr<Frontend::Stub> stub_;
};

TEST_P(FrontendTest, EveryReplyMatchesItsRequestUnderConcurrentLoad) {
  constexpr int kThreads = 16;
  constexpr int kCallsPerThread = 150;
  std::atomic<int> failed{0}, crossed{0}, answered{0};
  std::mutex first_problem_mu;
  std::string first_problem;
  auto note = [&](std::atomic<int>& counter, const std::string& what) {
    if (counter.fetch_add(1) == 0) {
      std::lock_guard<std::mutex> lock(first_problem_mu);
      if (first_problem.empty()) first_problem = what;
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        // Two different keys, varying with the thread and the call.
        GetPairRequest request;
        request.set_key_a(absl::StrCat("key-", (t * 7 + i) % kKeys));
        request.set_key_b(absl::StrCat("key-", (t * 7 + i + 1 + t) % kKeys));
        const std::string id = absl::StrCat("load-", t, "-", i);
        framerpc::ClientContext context;
        context.set_timeout(absl::Seconds(30));
        context.AddMetadata(kRequestIdKey, id);
        GetPairReply reply;
        const absl::Status status = stub_->GetPair(&context, request, &reply);
        if (!status.ok()) {
          note(failed, absl::StrCat(id, ": ", status.ToString()));
          continue;
        }
        answered.fetch_add(1);
        const auto echoed = context.response_metadata().find(kRequestIdKey);
        if (reply.value_a() != ValueOf(request.key_a()) ||
            reply.value_b() != ValueOf(request.key_b()) ||
            echoed == context.response_metadata().end() ||
            echoed->second != id) {
          note(crossed, absl::StrCat(id, ": asked ", request.ShortDebugString(),
                                     ", got ", reply.ShortDebugString()));
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(failed.load(), 0) << first_problem;
  EXPECT_EQ(crossed.load(), 0) << first_problem;
  EXPECT_EQ(answered.load(), kThreads * kCallsPerThread);
  // Each request's id reached exactly its two backend calls.
  EXPECT_EQ(backend_log_->DeadlinesOf("load-3-17").size(), 2u);
  EXPECT_EQ(backend_log_->DeadlinesOf("load-15-149").size(), 2u);
}

TEST_P(FrontendTest, ForwardsTheRequestIdAndTheDeadline) {
  GetPairRequest request;
  request.set_key_a("key-1");
  request.set_key_b("key-2");
  framerpc::ClientContext context;
  const absl::Time caller_deadline = absl::Now() + absl::Seconds(20);
  context.set_deadline(caller_deadline);
  context.AddMetadata(kRequestIdKey, "rid-42");
  GetPairReply reply;
  ASSERT_TRUE(stub_->GetPair(&context, request, &reply).ok());
  EXPECT_EQ(reply.value_a(), ValueOf("key-1"));
  EXPECT_EQ(reply.value_b(), ValueOf("key-2"));
  EXPECT_EQ(context.response_metadata().at(kRequestIdKey), "rid-42");

  const std::vector<absl::Time> seen = backend_log_->DeadlinesOf("rid-42");
  ASSERT_EQ(seen.size(), 2u);
  for (absl::Time deadline : seen) {
    // The caller's own deadline, as it travelled (the wire carries a
    // timeout, so the clock may round it a little either way, never by a
    // second).
    EXPECT_LE(deadline, caller_deadline + absl::Milliseconds(50));
    EXPECT_GT(deadline, caller_deadline - absl::Seconds(1));
  }
}

TEST_P(FrontendTest, MakesARequestIdWhenTheCallerSentNone) {
  GetPairRequest request;
  request.set_key_a("key-5");
  request.set_key_b("key-6");
  framerpc::ClientContext context;
  context.set_timeout(absl::Seconds(20));
  GetPairReply reply;
  ASSERT_TRUE(stub_->GetPair(&context, request, &reply).ok());
  const auto id = context.response_metadata().find(kRequestIdKey);
  ASSERT_NE(id, context.response_metadata().end());
  EXPECT_THAT(id->second, ::testing::StartsWith("frontend-"));
  EXPECT_EQ(backend_log_->DeadlinesOf(id->second).size(), 2u);
}

TEST_P(FrontendTest, AMissingKeyIsNotFoundNamingTheKey) {
  GetPairRequest request;
  request.set_key_a("key-1");
  request.set_key_b("no-such-key");
  framerpc::ClientContext context;
  context.set_timeout(absl::Seconds(20));
  GetPairReply reply;
  const absl::Status status = stub_->GetPair(&context, request, &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("kv Get of key 'no-such-key' from backend 127.0.0.1:"));
}

TEST_P(FrontendTest, ABackendThatIsDownIsUnavailableNamingIt) {
  // A port nobody listens on any more: a server's, after it stopped.
  framerpc::Server gone;
  ASSERT_TRUE(gone.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(gone.Start().ok());
  const std::string dead = absl::StrCat("127.0.0.1:", gone.port());
  gone.Shutdown();
  gone.Wait();
  StartFrontend(dead);

  GetPairRequest request;
  request.set_key_a("key-1");
  request.set_key_b("key-2");
  framerpc::ClientContext context;
  context.set_timeout(absl::Seconds(20));
  GetPairReply reply;
  const absl::Time start = absl::Now();
  const absl::Status status = stub_->GetPair(&context, request, &reply);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(absl::StrCat("from backend ", dead, ": ")));
}

TEST_P(FrontendTest, ABackendSlowerThanTheCallersDeadlineIsDeadlineExceeded) {
  GetPairRequest request;
  request.set_key_a("key-1");
  request.set_key_b("key-2");
  framerpc::ClientContext context;
  const absl::Duration timeout = absl::Milliseconds(300);
  context.set_timeout(timeout);
  context.AddMetadata(kRequestIdKey, absl::StrCat(kSlowPrefix, "1"));
  GetPairReply reply;
  const absl::Time start = absl::Now();
  const absl::Status status = stub_->GetPair(&context, request, &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded) << status;
  EXPECT_LT(absl::Now() - start, timeout + absl::Seconds(1));
  const std::vector<absl::Time> seen =
      backend_log_->DeadlinesOf(absl::StrCat(kSlowPrefix, "1"));
  EXPECT_EQ(seen.size(), 2u);
  for (absl::Time deadline : seen) {
    EXPECT_LE(deadline, start + timeout + absl::Milliseconds(50));
  }
  // The frontend gave up on both backend calls at the caller's deadline
  // too, not when the backend answered, seconds later.
  const std::vector<BackendCallsEnded::Ended> ended = backend_calls_->WaitFor(
      absl::StrCat(kSlowPrefix, "1"), 2, absl::Seconds(10));
  ASSERT_EQ(ended.size(), 2u);
  for (const BackendCallsEnded::Ended& call : ended) {
    EXPECT_EQ(call.code, absl::StatusCode::kDeadlineExceeded);
    EXPECT_LT(call.at - start, timeout + absl::Seconds(1));
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, FrontendTest,
                         ::testing::Values(Form::kSync, Form::kAsync),
                         FormName);

}  // namespace
}  // namespace frontend
