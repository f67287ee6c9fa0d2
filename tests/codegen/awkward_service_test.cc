// The server side of the code generated for protos/ (by the real plugin, via
// framerpc_generate(), compiled with -Wall -Wextra -Werror): every service
// registers its methods under their wire names, dispatches through the
// type-erased handler to the user's overrides, and answers UNIMPLEMENTED by
// default. Needs only rpc/: no server, no channel.
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "framerpc/server_context.h"
#include "gtest/gtest.h"
#include "tests/codegen/awkward_impls.h"

namespace framerpc {
namespace codegen_test {
namespace {

using Names = std::vector<std::string>;

static_assert(std::is_base_of_v<framerpc::Service, pkg::Switch::Service>);
static_assert(std::is_base_of_v<framerpc::Service, pkg::register_::Service>);
static_assert(std::has_virtual_destructor_v<pkg::Switch::Service>);
static_assert(std::is_copy_constructible_v<pkg::Switch::Stub>);
static_assert(std::is_final_v<pkg::Switch>);

// Calls `method` of `service` the way the server does: serialized request
// in, type-erased response out, copied into `*reply` on success.
absl::Status Dispatch(const framerpc::Service& service,
                      const std::string& method,
                      const google::protobuf::Message& request,
                      google::protobuf::Message* reply) {
  const MethodHandler* handler = service.FindMethod(method);
  if (handler == nullptr) return absl::NotFoundError(method);
  ServerContext context(absl::StrCat(service.full_name(), "/", method),
                        "127.0.0.1:1", absl::InfiniteFuture(), Metadata());
  std::unique_ptr<google::protobuf::Message> response;
  absl::Status status =
      handler->Run(context, request.SerializeAsString(), &response);
  if (status.ok()) {
    if (response == nullptr) return absl::InternalError("no response");
    if (response->GetDescriptor() != reply->GetDescriptor()) {
      return absl::InternalError(
          absl::StrCat("response is a ", response->GetTypeName()));
    }
    reply->CopyFrom(*response);
  } else {
    EXPECT_EQ(response, nullptr);
  }
  return status;
}

TEST(AwkwardService, ServiceNames) {
  EXPECT_STREQ(pkg::Switch::kServiceName, "framerpc.test.deep.pkg.Switch");
  EXPECT_STREQ(pkg::register_::kServiceName, "framerpc.test.deep.pkg.register");
  EXPECT_STREQ(demo::Echo::kServiceName, "demo.Echo");
  EXPECT_EQ(SwitchImpl().full_name(), "framerpc.test.deep.pkg.Switch");
  EXPECT_EQ(RegisterImpl().full_name(), "framerpc.test.deep.pkg.register");
  EXPECT_EQ(EchoImpl().full_name(), "demo.Echo");
}

TEST(AwkwardService, MethodsAreRegisteredUnderWireNames) {
  SwitchImpl switch_impl;
  EXPECT_EQ(switch_impl.method_names(),
            (Names{"Echo", "Now", "delete", "new"}));
  EXPECT_NE(switch_impl.FindMethod("delete"), nullptr);
  EXPECT_EQ(switch_impl.FindMethod("delete_"), nullptr);
  EXPECT_EQ(RegisterImpl().method_names(),
            (Names{"Service", "Stub", "channel", "status"}));
  EXPECT_EQ(EchoImpl().method_names(), (Names{"Say"}));
}

TEST(AwkwardService, KeywordMethodReachesOverride) {
  SwitchImpl impl;
  pkg::Keywords request;
  request.set_class_("widget");
  google::protobuf::Empty reply;
  EXPECT_TRUE(Dispatch(impl, "delete", request, &reply).ok());
  EXPECT_EQ(impl.deleted(), "widget");
}

TEST(AwkwardService, ImportedMessageOfOtherPackage) {
  SwitchImpl impl;
  other::Imported request;
  request.set_text("hi");
  request.set_count(41);
  other::Imported reply;
  ASSERT_TRUE(Dispatch(impl, "Echo", request, &reply).ok());
  EXPECT_EQ(reply.text(), "hi");
  EXPECT_EQ(reply.count(), 42);
}

TEST(AwkwardService, KeywordMessageTypes) {
  SwitchImpl impl;
  pkg::delete__new request;
  request.set_text("x");
  pkg::delete_ reply;
  ASSERT_TRUE(Dispatch(impl, "new", request, &reply).ok());
  EXPECT_EQ(reply.text(), "new:x");

  absl::Status empty = Dispatch(impl, "new", pkg::delete__new(), &reply);
  EXPECT_EQ(empty, absl::InvalidArgumentError("new: text is empty"));
}

TEST(AwkwardService, DefaultIsUnimplemented) {
  SwitchImpl impl;
  google::protobuf::Timestamp reply;
  EXPECT_EQ(Dispatch(impl, "Now", google::protobuf::Empty(), &reply),
            absl::UnimplementedError(
                "method framerpc.test.deep.pkg.Switch/Now is not implemented"));

  // The same through a direct call of the generated virtual.
  ServerContext context("framerpc.test.deep.pkg.Switch/Now", "test",
                        absl::InfiniteFuture(), Metadata());
  EXPECT_EQ(impl.Now(context, google::protobuf::Empty(), &reply).code(),
            absl::StatusCode::kUnimplemented);

  pkg::register_::Service plain;  // no overrides at all
  pkg::Keywords keywords;
  EXPECT_EQ(Dispatch(plain, "channel", keywords, &keywords),
            absl::UnimplementedError("method framerpc.test.deep.pkg.register/"
                                     "channel is not implemented"));
}

TEST(AwkwardService, EveryReservedNameReachesItsOverride) {
  RegisterImpl impl;
  for (const char* method : {"Stub", "channel", "Service", "status"}) {
    pkg::Keywords request;
    request.set_new_(7);
    pkg::Keywords reply;
    ASSERT_TRUE(Dispatch(impl, method, request, &reply).ok()) << method;
    EXPECT_EQ(reply.class_(), method);
    EXPECT_EQ(reply.new_(), 8);
  }
}

TEST(AwkwardService, RequestBytesAreParsedAsTheDeclaredType) {
  SwitchImpl impl;
  const MethodHandler* handler = impl.FindMethod("delete");
  ASSERT_NE(handler, nullptr);
  ServerContext context("framerpc.test.deep.pkg.Switch/delete", "test",
                        absl::InfiniteFuture(), Metadata());
  std::unique_ptr<google::protobuf::Message> response;
  EXPECT_EQ(handler->Run(context, "\xff\xff\xff", &response).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(response, nullptr);
}

TEST(AwkwardService, EchoExample) {
  EchoImpl impl;
  demo::SayRequest request;
  request.set_text("hello");
  demo::SayReply reply;
  ASSERT_TRUE(Dispatch(impl, "Say", request, &reply).ok());
  EXPECT_EQ(reply.text(), "hello");
}

}  // namespace
}  // namespace codegen_test
}  // namespace framerpc
