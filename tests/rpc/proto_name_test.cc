#include "rpc/proto_name.h"

#include <string>

#include "absl/strings/match.h"
#include "gtest/gtest.h"

namespace framerpc {
namespace {

std::string Dotted(size_t size) {
  std::string name;
  while (name.size() + 2 < size) name += "a.";
  name.resize(size, 'a');
  return name;
}

TEST(CheckProtoFullName, AcceptsFullNames) {
  for (const std::string& name :
       {std::string(""), std::string("Msg"), std::string("pkg.Service"),
        std::string("_a.b_2.C9"), Dotted(kMaxProtoNameSize)}) {
    EXPECT_TRUE(CheckProtoFullName(name, ProtoNameForm::kDotted, "name").ok())
        << name;
  }
  EXPECT_TRUE(CheckProtoFullName("pkg.Service/Method",
                                 ProtoNameForm::kDottedOrMethod, "symbol")
                  .ok());
}

TEST(CheckProtoFullName, RejectsWhatNoSymbolCanBeCalled) {
  struct Case {
    std::string name;
    ProtoNameForm form;
  };
  const Case cases[] = {
      {".", ProtoNameForm::kDotted},
      {".a", ProtoNameForm::kDotted},
      {"a.", ProtoNameForm::kDotted},
      {"a..b", ProtoNameForm::kDotted},
      {"1a", ProtoNameForm::kDotted},
      {"a.2b", ProtoNameForm::kDotted},
      {"a-b", ProtoNameForm::kDotted},
      {"a b", ProtoNameForm::kDotted},
      {"caf\xc3\xa9", ProtoNameForm::kDotted},
      {"a/B", ProtoNameForm::kDotted},
      {"a/B/C", ProtoNameForm::kDottedOrMethod},
      {"a/B.C", ProtoNameForm::kDottedOrMethod},
      {"/B", ProtoNameForm::kDottedOrMethod},
      {"a./B", ProtoNameForm::kDottedOrMethod},
      {"a/", ProtoNameForm::kDottedOrMethod},
      {Dotted(kMaxProtoNameSize + 1), ProtoNameForm::kDotted},
  };
  for (const Case& c : cases) {
    const absl::Status status = CheckProtoFullName(c.name, c.form, "symbol");
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_TRUE(absl::StartsWith(status.message(), "symbol '"))
        << status.message();
  }
}

TEST(CheckProtoFullName, MessageOfAHugeNameIsShort) {
  const std::string huge = Dotted(300 << 10);
  const absl::Status status =
      CheckProtoFullName(huge, ProtoNameForm::kDotted, "symbol");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_LT(status.message().size(), 512u);
  EXPECT_TRUE(absl::StrContains(status.message(), "(307200 bytes)"))
      << status.message();
  EXPECT_TRUE(absl::StrContains(status.message(), "longer than 1024 bytes"))
      << status.message();
}

}  // namespace
}  // namespace framerpc
