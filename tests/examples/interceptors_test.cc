// The example interceptors (examples/interceptors): the token check on its
// own, then both with the example key-value service through a real Server
// and Channel, as kv_server --access_log --require_token runs them: calls
// with the right token served, others answered UNAUTHENTICATED before the
// handler, one access log line per call.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "access_log.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kv.framerpc.h"
#include "kv_service.h"
#include "kv_store.h"
#include "token_check.h"

namespace framerpc_examples {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

framerpc::ServerContext ContextWith(const std::string& method,
                                    framerpc::Metadata metadata) {
  return framerpc::ServerContext(method, "127.0.0.1:5555",
                                 absl::InfiniteFuture(), std::move(metadata));
}

TEST(TokenCheck, AcceptsOnlyTheBearerToken) {
  TokenCheck check("s3cret");
  framerpc::ServerContext right =
      ContextWith("kv.KeyValue/Get", {{"authorization", "Bearer s3cret"}});
  EXPECT_TRUE(check.BeforeCall(right).ok());

  for (const char* wrong :
       {"Bearer s3cre", "Bearer s3cret!", "bearer s3cret", "s3cret", ""}) {
    framerpc::ServerContext context =
        ContextWith("kv.KeyValue/Get", {{"authorization", wrong}});
    const absl::Status status = check.BeforeCall(context);
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated) << wrong;
    EXPECT_EQ(status.message(),
              "call of kv.KeyValue/Get from 127.0.0.1:5555: wrong bearer token");
  }
  framerpc::ServerContext none = ContextWith("kv.KeyValue/Get", {});
  EXPECT_EQ(check.BeforeCall(none),
            absl::UnauthenticatedError("call of kv.KeyValue/Get from "
                                       "127.0.0.1:5555: no \"authorization\" "
                                       "metadata"));
}

TEST(TokenCheck, LetsTheHealthCheckThroughByDefault) {
  framerpc::ServerContext probe =
      ContextWith("framerpc.health.Health/Check", {});
  EXPECT_TRUE(TokenCheck("s3cret").BeforeCall(probe).ok());
  EXPECT_EQ(TokenCheck("s3cret", {}).BeforeCall(probe).code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(AccessLog, FormatsOneLinePerCall) {
  framerpc::CallSummary summary;
  summary.status = absl::NotFoundError("key 'k' not found");
  summary.duration = absl::Microseconds(1234) + absl::Nanoseconds(567);
  summary.request_bytes = 7;
  summary.response_bytes = 0;
  EXPECT_EQ(FormatAccessLine("kv.KeyValue/Get", "127.0.0.1:5555", summary),
            "kv.KeyValue/Get 127.0.0.1:5555 NOT_FOUND 1.234ms 7B 0B");
}

// The lines an AccessLog wrote, kept for the test.
class Lines {
 public:
  AccessLog::Sink Sink() {
    return [this](absl::string_view line) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.emplace_back(line);
    };
  }
  std::vector<std::string> lines() {
    std::lock_guard<std::mutex> lock(mu_);
    return lines_;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

class ProtectedKvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    framerpc::ServerOptions options;
    options.interceptors = {std::make_shared<AccessLog>(lines_.Sink()),
                            std::make_shared<TokenCheck>("s3cret")};
    server_ = std::make_unique<framerpc::Server>(options);
    ASSERT_TRUE(server_->AddService(&service_).ok());
    ASSERT_TRUE(server_->EnableHealthCheck().ok());
    ASSERT_TRUE(server_->Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Shutdown(absl::Seconds(1));
    server_->Wait();
  }
  // A stub whose channel sends `token` (none when empty).
  std::unique_ptr<kv::KeyValue::Stub> StubWithToken(
      const std::string& token, bool health_check = false) {
    framerpc::ChannelOptions options;
    options.health_check = health_check;
    if (!token.empty()) {
      options.interceptors.push_back(std::make_shared<BearerToken>(token));
    }
    auto channel = framerpc::Channel::Create(
        absl::StrCat("127.0.0.1:", server_->port()), options);
    EXPECT_TRUE(channel.ok()) << channel.status();
    return std::make_unique<kv::KeyValue::Stub>(*channel);
  }
  absl::StatusOr<kv::PutReply> Put(kv::KeyValue::Stub& stub) {
    kv::PutRequest put;
    put.set_key("k");
    put.set_value("v");
    framerpc::ClientContext context;
    context.set_timeout(absl::Seconds(20));
    return stub.Put(put, &context);
  }

  Lines lines_;
  kv::KvStore store_;
  kv::KvService service_{&store_};
  std::unique_ptr<framerpc::Server> server_;
};

TEST_F(ProtectedKvTest, ServesTheTokenAndLogsEveryCall) {
  auto with_token = StubWithToken("s3cret");
  absl::StatusOr<kv::PutReply> served = Put(*with_token);
  ASSERT_TRUE(served.ok()) << served.status();
  EXPECT_TRUE(served->created());

  auto without = StubWithToken("");
  absl::StatusOr<kv::PutReply> refused = Put(*without);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("no \"authorization\" metadata"));

  auto wrong = StubWithToken("guess");
  absl::StatusOr<kv::PutReply> guessed = Put(*wrong);
  EXPECT_EQ(guessed.status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(std::string(guessed.status().message()),
              HasSubstr("wrong bearer token"));

  // Only the call with the token reached the store.
  absl::StatusOr<kv::KvStore::ListResult> stored = store_.List("", 0);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->entries.size(), 1u);
  // Lines are written before each response is sent, so all three are in.
  const std::string line = R"(kv\.KeyValue/Put 127\.0\.0\.1:[0-9]+ )";
  const std::string timing = R"( [0-9.]+(us|ms|s) [0-9]+B [0-9]+B)";
  EXPECT_THAT(lines_.lines(),
              ElementsAre(MatchesRegex(line + "OK" + timing),
                          MatchesRegex(line + "UNAUTHENTICATED" + timing),
                          MatchesRegex(line + "UNAUTHENTICATED" + timing)));
}

TEST_F(ProtectedKvTest, HealthCheckingChannelsStillFindTheServerServing) {
  auto stub = StubWithToken("s3cret", /*health_check=*/true);
  absl::StatusOr<kv::PutReply> served = Put(*stub);
  EXPECT_TRUE(served.ok()) << served.status();
}

}  // namespace
}  // namespace framerpc_examples
