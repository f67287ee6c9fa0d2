// The reflection service over a real server and channel: what it lists, the
// files it returns (imports first, buildable into a pool), and its errors.
#include <memory>
#include <string>
#include <vector>

#include "e2e_test.pb.h"
#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "proto/reflection.pb.h"
#include "test_service_impl.h"
#include "tools/schema.h"

namespace framerpc {
namespace {

using ::testing::ElementsAre;

// A service built by hand, not from a .proto: listed without a descriptor.
class HandWrittenService final : public Service {
 public:
  HandWrittenService() : Service("handwritten.Thing") {
    AddUnaryMethod("Do", &HandWrittenService::Do);
  }

 private:
  absl::Status Do(ServerContext&, const e2e::EchoRequest&, e2e::EchoReply*) {
    return absl::OkStatus();
  }
};

class ReflectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.AddService(&service_).ok());
    ASSERT_TRUE(server_.AddService(&handwritten_).ok());
    ASSERT_TRUE(server_.EnableReflection().ok());
    ASSERT_TRUE(server_.Listen("127.0.0.1:0").ok());
    ASSERT_TRUE(server_.Start().ok());
    auto channel = Channel::Create(absl::StrCat("127.0.0.1:", server_.port()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *channel;
  }
  void TearDown() override { server_.Shutdown(absl::Seconds(5)); }

  absl::Status Call(absl::string_view method,
                    const google::protobuf::Message& request,
                    google::protobuf::Message* response) {
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    return channel_->Call(method, request, response, &context);
  }

  absl::StatusOr<std::vector<std::string>> FileNames(
      absl::string_view symbol, std::unique_ptr<cli::Schema>* schema) {
    reflection::FileContainingSymbolRequest request;
    request.set_symbol(std::string(symbol));
    reflection::FileContainingSymbolResponse response;
    absl::Status status =
        Call("framerpc.reflection.Reflection/FileContainingSymbol", request,
             &response);
    if (!status.ok()) return status;
    std::vector<std::string> names;
    std::vector<google::protobuf::FileDescriptorProto> files;
    for (const auto& file : response.files()) {
      names.push_back(file.name());
      files.push_back(file);
    }
    auto built = cli::Schema::FromFileProtos(files);
    if (!built.ok()) return built.status();
    *schema = *std::move(built);
    return names;
  }

  e2e::TestServiceImpl service_;
  HandWrittenService handwritten_;
  Server server_;
  std::shared_ptr<Channel> channel_;
};

TEST_F(ReflectionTest, ListsEveryServiceWithItsMethods) {
  reflection::ListServicesResponse response;
  ASSERT_TRUE(Call("framerpc.reflection.Reflection/ListServices",
                   reflection::ListServicesRequest(), &response)
                  .ok());
  std::vector<std::string> names;
  for (const auto& info : response.services()) names.push_back(info.name());
  EXPECT_THAT(names, ElementsAre("framerpc.e2e.TestService",
                                 "framerpc.reflection.Reflection",
                                 "handwritten.Thing"));
  EXPECT_THAT(response.services(0).methods(), ElementsAre("Echo"));
  EXPECT_TRUE(response.services(0).has_descriptor());
  EXPECT_THAT(response.services(1).methods(),
              ElementsAre("FileContainingSymbol", "ListServices"));
  EXPECT_TRUE(response.services(1).has_descriptor());
  EXPECT_THAT(response.services(2).methods(), ElementsAre("Do"));
  EXPECT_FALSE(response.services(2).has_descriptor());
}

TEST_F(ReflectionTest, ReturnsTheFileOfAServiceBuildable) {
  std::unique_ptr<cli::Schema> schema;
  auto names = FileNames("framerpc.e2e.TestService", &schema);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("e2e_test.proto"));
  const auto* service = schema->FindService("framerpc.e2e.TestService");
  ASSERT_NE(service, nullptr);
  ASSERT_NE(service->FindMethodByName("Echo"), nullptr);
  EXPECT_EQ(service->FindMethodByName("Echo")->input_type()->full_name(),
            "framerpc.e2e.EchoRequest");
}

TEST_F(ReflectionTest, ReturnsImportsBeforeTheFilesThatImportThem) {
  std::unique_ptr<cli::Schema> schema;
  auto names = FileNames("framerpc.reflection.Reflection", &schema);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_THAT(*names, ElementsAre("google/protobuf/descriptor.proto",
                                  "proto/reflection.proto"));
  EXPECT_NE(schema->FindService("framerpc.reflection.Reflection"), nullptr);
}

TEST_F(ReflectionTest, FindsMethodsAndMessagesToo) {
  std::unique_ptr<cli::Schema> schema;
  for (const char* symbol :
       {"framerpc.e2e.TestService/Echo", "framerpc.e2e.TestService.Echo",
        "framerpc.e2e.EchoRequest"}) {
    auto names = FileNames(symbol, &schema);
    ASSERT_TRUE(names.ok()) << symbol << ": " << names.status();
    EXPECT_THAT(*names, ElementsAre("e2e_test.proto")) << symbol;
  }
}

TEST_F(ReflectionTest, UnknownSymbolIsNotFound) {
  std::unique_ptr<cli::Schema> schema;
  for (const char* symbol : {"no.Such", "handwritten.Thing", ""}) {
    auto names = FileNames(symbol, &schema);
    EXPECT_EQ(names.status().code(), absl::StatusCode::kNotFound) << symbol;
  }
}

TEST(Reflection, EnableAfterStartFails) {
  Server server;
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server.EnableReflection().ok());
  ASSERT_TRUE(server.EnableReflection().ok());  // twice is harmless
  ASSERT_TRUE(server.Start().ok());
  EXPECT_EQ(server.EnableReflection().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.EnableHealthCheck().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace framerpc
