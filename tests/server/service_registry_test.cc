#include "server/service_registry.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/test_service.h"

namespace framerpc {
namespace internal {
namespace {

using test::TestService;
using ::testing::HasSubstr;

TEST(ServiceRegistry, FindsRegisteredMethods) {
  TestService service;
  ServiceRegistry registry;
  ASSERT_TRUE(registry.Add(&service).ok());
  absl::StatusOr<const MethodHandler*> echo =
      registry.Find("framerpc.test.TestService/Echo");
  ASSERT_TRUE(echo.ok()) << echo.status();
  EXPECT_EQ(*echo, service.FindMethod("Echo"));
}

TEST(ServiceRegistry, RefusesADuplicateNameAndNull) {
  TestService first, second;
  ServiceRegistry registry;
  ASSERT_TRUE(registry.Add(&first).ok());
  absl::Status duplicate = registry.Add(&second);
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(duplicate.message()),
              HasSubstr("framerpc.test.TestService"));
  EXPECT_EQ(registry.Add(nullptr).code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServiceRegistry, UnknownOrMalformedNamesAreUnimplemented) {
  TestService service;
  ServiceRegistry registry;
  ASSERT_TRUE(registry.Add(&service).ok());
  struct Case {
    const char* method;
    const char* why;
  };
  const Case cases[] = {
      {"framerpc.test.TestService/Nope", "has no method 'Nope'"},
      {"other.Service/Echo", "no service 'other.Service'"},
      {"framerpc.test.TestService", "expected 'package.Service/Method'"},
      {"/Echo", "expected"},
      {"framerpc.test.TestService/", "expected"},
      {"a/b/c", "expected"},
      {"", "expected"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method);
    absl::StatusOr<const MethodHandler*> found = registry.Find(c.method);
    ASSERT_FALSE(found.ok());
    EXPECT_EQ(found.status().code(), absl::StatusCode::kUnimplemented);
    EXPECT_THAT(std::string(found.status().message()), HasSubstr(c.method));
    EXPECT_THAT(std::string(found.status().message()), HasSubstr(c.why));
  }
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
