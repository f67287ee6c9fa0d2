// The registry of .proto comments that generated code fills at static
// initialization (framerpc/proto_source_info.h).
#include "framerpc/proto_source_info.h"

#include "gtest/gtest.h"

namespace framerpc {
namespace internal {
namespace {

constexpr char kBytes[] = "\n\x02\x08\x01";

const ProtoSourceInfoRegistrar kRegistered("test/registered.proto", kBytes,
                                           sizeof(kBytes) - 1);

TEST(ProtoSourceInfo, ARegisteredFileIsFoundWithItsBytes) {
  EXPECT_EQ(FindProtoSourceInfo("test/registered.proto"),
            absl::string_view(kBytes, sizeof(kBytes) - 1));
}

TEST(ProtoSourceInfo, AnUnknownFileHasNone) {
  EXPECT_TRUE(FindProtoSourceInfo("test/unknown.proto").empty());
}

}  // namespace
}  // namespace internal
}  // namespace framerpc
