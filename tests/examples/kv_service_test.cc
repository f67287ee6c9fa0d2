// The example service through framerpc, as a user would call it.
#include "kv_service.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"

namespace kv {
namespace {

class KvServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.AddService(&service_).ok());
    ASSERT_TRUE(server_.Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server_.Start().ok());
    stub_ = std::make_unique<KeyValue::Stub>(
        *framerpc::Channel::Create(absl::StrCat("127.0.0.1:", server_.port())));
  }
  void TearDown() override {
    server_.Shutdown(absl::Seconds(1));
    server_.Wait();
  }
  framerpc::ClientContext* Context() {
    context_ = std::make_unique<framerpc::ClientContext>();
    context_->set_timeout(absl::Seconds(20));
    return context_.get();
  }

  KvStore store_;
  KvService service_{&store_};
  framerpc::Server server_;
  std::unique_ptr<KeyValue::Stub> stub_;
  std::unique_ptr<framerpc::ClientContext> context_;
};

TEST_F(KvServiceTest, PutGetListDelete) {
  PutRequest put;
  put.set_key("user/1");
  put.set_value("ada");
  auto created = stub_->Put(put, Context());
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->created());
  EXPECT_FALSE(stub_->Put(put, Context())->created());
  put.set_key("user/2");
  put.set_value("grace");
  ASSERT_TRUE(stub_->Put(put, Context()).ok());

  GetRequest get;
  get.set_key("user/1");
  EXPECT_EQ(stub_->Get(get, Context())->value(), "ada");

  ListRequest list;
  list.set_prefix("user/");
  list.set_limit(1);
  auto listed = stub_->List(list, Context());
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->entries_size(), 1);
  EXPECT_EQ(listed->entries(0).key(), "user/1");
  EXPECT_TRUE(listed->truncated());

  DeleteRequest del;
  del.set_key("user/1");
  EXPECT_TRUE(stub_->Delete(del, Context()).ok());
  absl::Status missing = stub_->Get(get, Context()).status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(missing.message(), "key 'user/1' not found");
}

TEST_F(KvServiceTest, InvalidArgumentsReachTheCaller) {
  PutRequest empty_key;
  EXPECT_EQ(stub_->Put(empty_key, Context()).status().code(),
            absl::StatusCode::kInvalidArgument);
  ListRequest too_many;
  too_many.set_limit(5000);
  absl::Status status = stub_->List(too_many, Context()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("5000"), std::string::npos);
}

}  // namespace
}  // namespace kv
