// The health service: alone (statuses, Shutdown) and in a server (defaults
// at Start, Check over the wire, NOT_SERVING from Shutdown on).
#include <memory>
#include <string>

#include "framerpc/channel.h"
#include "framerpc/server.h"
#include "gtest/gtest.h"
#include "proto/health.pb.h"
#include "server/health_service.h"
#include "test_service_impl.h"

namespace framerpc {
namespace {

using health::HealthCheckResponse;

TEST(HealthService, UnsetNamesAreUnknown) {
  HealthService health;
  EXPECT_EQ(health.GetServingStatus(""), ServingStatus::kUnknownService);
  health.SetServingStatus("a.B", ServingStatus::kNotServing);
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kNotServing);
  health.SetServingIfUnset("a.B");
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kNotServing);
  health.SetServingStatus("a.B", ServingStatus::kServing);
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kServing);
  health.SetServingStatus("a.B", ServingStatus::kUnknownService);
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kUnknownService);
}

TEST(HealthService, ShutdownMakesEverythingNotServingForGood) {
  HealthService health;
  health.SetServingStatus("", ServingStatus::kServing);
  health.SetServingStatus("a.B", ServingStatus::kServing);
  health.Shutdown();
  EXPECT_EQ(health.GetServingStatus(""), ServingStatus::kNotServing);
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kNotServing);
  health.SetServingStatus("a.B", ServingStatus::kServing);
  health.SetServingIfUnset("c.D");
  EXPECT_EQ(health.GetServingStatus("a.B"), ServingStatus::kNotServing);
  EXPECT_EQ(health.GetServingStatus("c.D"), ServingStatus::kUnknownService);
}

TEST(HealthService, StatusNames) {
  EXPECT_EQ(ServingStatusName(ServingStatus::kServing), "SERVING");
  EXPECT_EQ(ServingStatusName(ServingStatus::kNotServing), "NOT_SERVING");
  EXPECT_EQ(ServingStatusName(ServingStatus::kUnknownService),
            "UNKNOWN_SERVICE");
}

class HealthServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.AddService(&service_).ok());
    ASSERT_TRUE(server_.EnableHealthCheck().ok());
    ASSERT_TRUE(server_.Listen("127.0.0.1:0").ok());
  }
  void Start() {
    ASSERT_TRUE(server_.Start().ok());
    auto channel = Channel::Create(absl::StrCat("127.0.0.1:", server_.port()));
    ASSERT_TRUE(channel.ok()) << channel.status();
    channel_ = *channel;
  }

  HealthCheckResponse::ServingStatus Check(const std::string& name) {
    health::HealthCheckRequest request;
    request.set_service(name);
    HealthCheckResponse response;
    ClientContext context;
    context.set_timeout(absl::Seconds(20));
    absl::Status status = channel_->Call("framerpc.health.Health/Check",
                                         request, &response, &context);
    EXPECT_TRUE(status.ok()) << status;
    return response.status();
  }

  e2e::TestServiceImpl service_;
  Server server_;
  std::shared_ptr<Channel> channel_;
};

TEST_F(HealthServerTest, EverythingServesAfterStart) {
  Start();
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("framerpc.e2e.TestService"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("framerpc.health.Health"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check("no.Such"), HealthCheckResponse::UNKNOWN_SERVICE);
}

TEST_F(HealthServerTest, ApplicationSetsStatusesBeforeAndAfterStart) {
  server_.SetServingStatus("framerpc.e2e.TestService",
                           ServingStatus::kNotServing);
  Start();
  EXPECT_EQ(Check("framerpc.e2e.TestService"),
            HealthCheckResponse::NOT_SERVING);
  server_.SetServingStatus("framerpc.e2e.TestService", ServingStatus::kServing);
  server_.SetServingStatus("", ServingStatus::kNotServing);
  EXPECT_EQ(Check("framerpc.e2e.TestService"), HealthCheckResponse::SERVING);
  EXPECT_EQ(Check(""), HealthCheckResponse::NOT_SERVING);
}

TEST_F(HealthServerTest, ShutdownReportsNotServing) {
  Start();
  EXPECT_EQ(Check(""), HealthCheckResponse::SERVING);
  server_.Shutdown(absl::Seconds(5));
  EXPECT_EQ(server_.GetServingStatus(""), ServingStatus::kNotServing);
  EXPECT_EQ(server_.GetServingStatus("framerpc.e2e.TestService"),
            ServingStatus::kNotServing);
  server_.SetServingStatus("", ServingStatus::kServing);  // ignored now
  EXPECT_EQ(server_.GetServingStatus(""), ServingStatus::kNotServing);
}

TEST(HealthServer, NotRegisteredUnlessEnabled) {
  e2e::TestServiceImpl service;
  Server server;
  ASSERT_TRUE(server.AddService(&service).ok());
  ASSERT_TRUE(server.Listen("127.0.0.1:0").ok());
  ASSERT_TRUE(server.Start().ok());
  auto channel = Channel::Create(absl::StrCat("127.0.0.1:", server.port()));
  ASSERT_TRUE(channel.ok());
  health::HealthCheckResponse response;
  ClientContext context;
  context.set_timeout(absl::Seconds(20));
  EXPECT_EQ((*channel)
                ->Call("framerpc.health.Health/Check",
                       health::HealthCheckRequest(), &response, &context)
                .code(),
            absl::StatusCode::kUnimplemented);
}

}  // namespace
}  // namespace framerpc
