// Schema from .proto files on disk: imports, well-known types, and parse
// errors that say where.
#include "tools/schema.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace framerpc::cli {
namespace {

using ::testing::HasSubstr;
namespace fs = std::filesystem;

class SchemaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/schema_test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path path = fs::path(dir_) / name;
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
    return path.string();
  }
  std::string dir_;
};

TEST_F(SchemaTest, ReadsAProtoWithImportsAndWellKnownTypes) {
  Write("dep/common.proto",
        "syntax = \"proto3\"; package dep; message Id { string id = 1; }");
  const std::string main =
      Write("main.proto",
            "syntax = \"proto3\"; package p;\n"
            "import \"dep/common.proto\";\n"
            "import \"google/protobuf/empty.proto\";\n"
            "service S { rpc Get(dep.Id) returns (google.protobuf.Empty); }\n");
  auto schema = Schema::FromProtoFiles({main}, {});
  ASSERT_TRUE(schema.ok()) << schema.status();
  const auto* service = (*schema)->FindService("p.S");
  ASSERT_NE(service, nullptr);
  EXPECT_EQ(service->FindMethodByName("Get")->input_type()->full_name(),
            "dep.Id");
  ASSERT_EQ((*schema)->services().size(), 1u);
  auto message = (*schema)->NewMessage(service->method(0)->input_type());
  EXPECT_EQ(message->GetDescriptor()->full_name(), "dep.Id");
}

TEST_F(SchemaTest, ImportPathGivesTheVirtualName) {
  const std::string proto =
      Write("protos/a/b.proto", "syntax = \"proto3\"; package a; service B {}");
  auto schema = Schema::FromProtoFiles({proto}, {dir_ + "/protos"});
  ASSERT_TRUE(schema.ok()) << schema.status();
  ASSERT_NE((*schema)->FindService("a.B"), nullptr);
  EXPECT_EQ((*schema)->FindService("a.B")->file()->name(), "a/b.proto");
  // Relative to the import path works too.
  schema = Schema::FromProtoFiles({"a/b.proto"}, {dir_ + "/protos"});
  ASSERT_TRUE(schema.ok()) << schema.status();
}

TEST_F(SchemaTest, ParseErrorSaysWhere) {
  const std::string proto =
      Write("bad.proto", "syntax = \"proto3\";\nmessage M { int32 = 1; }\n");
  auto schema = Schema::FromProtoFiles({proto}, {});
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(schema.status().message()),
              HasSubstr("bad.proto:2:"));
}

TEST_F(SchemaTest, MissingFileIsNamed) {
  auto schema = Schema::FromProtoFiles({dir_ + "/nope.proto"}, {});
  ASSERT_FALSE(schema.ok());
  EXPECT_THAT(std::string(schema.status().message()), HasSubstr("nope.proto"));
}

TEST(SplitMethodName, BothSpellings) {
  std::string service, method;
  ASSERT_TRUE(SplitMethodName("a.b.S/M", &service, &method).ok());
  EXPECT_EQ(service, "a.b.S");
  EXPECT_EQ(method, "M");
  ASSERT_TRUE(SplitMethodName("a.b.S.M", &service, &method).ok());
  EXPECT_EQ(service, "a.b.S");
  EXPECT_EQ(method, "M");
  for (const char* bad : {"", "M", "S/", "/M", "a/b/c", "S."}) {
    EXPECT_FALSE(SplitMethodName(bad, &service, &method).ok()) << bad;
  }
}

}  // namespace
}  // namespace framerpc::cli
