#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "framerpc/client_context.h"
#include "framerpc/server_context.h"
#include "framerpc/service.h"
#include "gtest/gtest.h"
#include "proto/wire.pb.h"

namespace framerpc {
namespace {

TEST(ClientContext, EarlierOfTimeoutAndDeadlineWins) {
  const absl::Time start = absl::FromUnixSeconds(1000);
  ClientContext context;
  EXPECT_EQ(context.DeadlineFrom(start), absl::InfiniteFuture());
  context.set_timeout(absl::Seconds(5));
  EXPECT_EQ(context.DeadlineFrom(start), start + absl::Seconds(5));
  context.set_deadline(start + absl::Seconds(2));
  EXPECT_EQ(context.DeadlineFrom(start), start + absl::Seconds(2));
  context.set_deadline(start + absl::Seconds(9));
  EXPECT_EQ(context.DeadlineFrom(start), start + absl::Seconds(5));
}

TEST(ClientContext, MetadataReplacesByKey) {
  ClientContext context;
  context.AddMetadata("k", "1");
  context.AddMetadata("k", "2");
  context.AddMetadata("binary", std::string("\0\xff", 2));
  EXPECT_EQ(context.metadata().size(), 2u);
  EXPECT_EQ(context.metadata().at("k"), "2");
  EXPECT_EQ(context.metadata().at("binary"), std::string("\0\xff", 2));
}

TEST(ServerContext, ExposesCallAndCollectsResponseMetadata) {
  ServerContext context("demo.Echo/Say", "127.0.0.1:5000",
                        absl::Now() + absl::Hours(1), {{"x-trace", "abc"}});
  EXPECT_EQ(context.method(), "demo.Echo/Say");
  EXPECT_EQ(context.peer(), "127.0.0.1:5000");
  EXPECT_EQ(context.metadata().at("x-trace"), "abc");
  EXPECT_FALSE(context.IsExpired());
  context.AddResponseMetadata("served-by", "test");
  EXPECT_EQ(context.response_metadata().at("served-by"), "test");

  ServerContext expired("a.B/C", "unix:", absl::Now() - absl::Seconds(1), {});
  EXPECT_TRUE(expired.IsExpired());
}

// A hand-written service in the shape the code generator emits.
class EchoService : public Service {
 public:
  EchoService() : Service("test.Echo") {
    AddUnaryMethod<wire::Request, wire::Response>("Say", &EchoService::Say);
  }
  virtual absl::Status Say(ServerContext&, const wire::Request& request,
                           wire::Response* reply) {
    if (request.method() == "fail") return absl::NotFoundError("asked to");
    reply->set_message(request.method());
    return absl::OkStatus();
  }
};

class OverridingService : public EchoService {
  absl::Status Say(ServerContext&, const wire::Request&,
                   wire::Response* reply) override {
    reply->set_message("override");
    return absl::OkStatus();
  }
};

TEST(Service, DispatchesByWireNameThroughTheOverride) {
  OverridingService service;
  EXPECT_EQ(service.full_name(), "test.Echo");
  EXPECT_EQ(service.FindMethod("Nope"), nullptr);
  const MethodHandler* say = service.FindMethod("Say");
  ASSERT_NE(say, nullptr);
  ServerContext context("test.Echo/Say", "peer", absl::InfiniteFuture(), {});
  std::unique_ptr<google::protobuf::Message> reply;
  ASSERT_TRUE(
      say->Run(context, wire::Request().SerializeAsString(), &reply).ok());
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(static_cast<wire::Response&>(*reply).message(), "override");
}

TEST(Service, HandlerStatusAndUnparsableRequest) {
  EchoService service;
  const MethodHandler* say = service.FindMethod("Say");
  ServerContext context("test.Echo/Say", "peer", absl::InfiniteFuture(), {});
  std::unique_ptr<google::protobuf::Message> reply;
  wire::Request fail;
  fail.set_method("fail");
  absl::Status status = say->Run(context, fail.SerializeAsString(), &reply);
  EXPECT_EQ(status, absl::NotFoundError("asked to"));
  EXPECT_EQ(reply, nullptr);

  status = say->Run(context, "\xff\xff\xff", &reply);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("test.Echo/Say"), std::string::npos);
  EXPECT_NE(status.message().find("framerpc.wire.Request"), std::string::npos);
  EXPECT_EQ(service.method_names(), std::vector<std::string>{"Say"});
}

}  // namespace
}  // namespace framerpc
