// FramerpcGenerator (codegen/framerpc_generator.h) as protoc drives it: which
// files it writes, its parameter handling, and that a refused file leaves no
// output behind. The exact text of the output is golden_test.cc's job.
#include "codegen/framerpc_generator.h"

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "tests/codegen/in_process_protoc.h"
#include "tests/codegen/memory_generator_context.h"
#include "tests/codegen/proto_importer.h"
#include "tests/codegen/test_files.h"

namespace framerpc {
namespace codegen {
namespace {

using codegen_test::MemoryGeneratorContext;
using codegen_test::RunProtocInProcess;
using codegen_test::ScratchProtos;

constexpr char kEcho[] =
    "syntax = \"proto3\"; package demo;\n"
    "message M { optional string text = 1; }\n"
    "service Echo { rpc Say(M) returns (M); }\n";

TEST(FramerpcGenerator, WritesHeaderAndSourceBesideThePbFiles) {
  ScratchProtos protos;
  const google::protobuf::FileDescriptor* file =
      protos.Add("a/b/echo.proto", kEcho);
  ASSERT_NE(file, nullptr) << protos.errors();
  FramerpcGenerator generator;
  MemoryGeneratorContext context;
  std::string error;
  ASSERT_TRUE(generator.Generate(file, "", &context, &error)) << error;
  ASSERT_EQ(context.files().size(), 2u);
  const std::string& header = context.files().at("a/b/echo.framerpc.h");
  const std::string& source = context.files().at("a/b/echo.framerpc.cc");
  EXPECT_TRUE(absl::StrContains(header, "#include \"a/b/echo.pb.h\"\n"));
  EXPECT_TRUE(absl::StrContains(header, "namespace demo {\n"));
  EXPECT_TRUE(absl::StrContains(source, "#include \"a/b/echo.framerpc.h\"\n"));
  EXPECT_TRUE(absl::StrContains(source, "\"demo.Echo/Say\""));
}

TEST(FramerpcGenerator, NoPackageMeansGlobalNamespace) {
  ScratchProtos protos;
  const google::protobuf::FileDescriptor* file =
      protos.Add("lonely.proto",
                 "syntax = \"proto3\"; message M {}\n"
                 "service Lonely { rpc Ping(M) returns (M); }\n");
  ASSERT_NE(file, nullptr) << protos.errors();
  MemoryGeneratorContext context;
  std::string error;
  ASSERT_TRUE(FramerpcGenerator().Generate(file, "", &context, &error))
      << error;
  const std::string& header = context.files().at("lonely.framerpc.h");
  const std::string& source = context.files().at("lonely.framerpc.cc");
  EXPECT_FALSE(absl::StrContains(header, "namespace"));
  // The source's one namespace is the anonymous one around the .proto's
  // comments (SourceInfoGenerator).
  EXPECT_FALSE(absl::StrContains(
      absl::StrReplaceAll(source,
                          {{"\nnamespace {\n", ""}, {"}  // namespace\n", ""}}),
      "namespace"));
  EXPECT_TRUE(absl::StrContains(header, "\nclass Lonely final {\n"));
  EXPECT_TRUE(
      absl::StrContains(source, "::framerpc::Service(::Lonely::kServiceName)"));
  EXPECT_TRUE(absl::StrContains(source, "\"Lonely/Ping\""));
}

TEST(FramerpcGenerator, RejectsAnyParameterAndWritesNothing) {
  ScratchProtos protos;
  const google::protobuf::FileDescriptor* file =
      protos.Add("echo.proto", kEcho);
  ASSERT_NE(file, nullptr) << protos.errors();
  const struct {
    const char* parameter;
    const char* named;
  } kCases[] = {
      {"bogus=1", "bogus"},
      {"lite", "lite"},
      {"a=1,b=2", "a"},
  };
  for (const auto& c : kCases) {
    FramerpcGenerator generator;
    MemoryGeneratorContext context;
    std::string error;
    EXPECT_FALSE(generator.Generate(file, c.parameter, &context, &error));
    EXPECT_EQ(error, std::string("echo.proto: unknown option '") + c.named +
                         "' for protoc-gen-framerpc (it takes no options)");
    EXPECT_TRUE(context.files().empty()) << c.parameter;
  }
}

TEST(FramerpcGenerator, StreamingMethodFailsAndWritesNothing) {
  ScratchProtos protos;
  const google::protobuf::FileDescriptor* file =
      protos.Add("echo.proto",
                 "syntax = \"proto3\"; package demo; message M {}\n"
                 "service Echo { rpc Say(M) returns (M);\n"
                 "  rpc Chat(stream M) returns (stream M); }\n");
  ASSERT_NE(file, nullptr) << protos.errors();
  FramerpcGenerator generator;
  MemoryGeneratorContext context;
  std::string error;
  EXPECT_FALSE(generator.Generate(file, "", &context, &error));
  EXPECT_TRUE(absl::StartsWith(
      error,
      "echo.proto: service demo.Echo, method Chat: streaming methods are not "
      "supported by framerpc (only unary)"))
      << error;
  EXPECT_TRUE(context.files().empty());
}

TEST(FramerpcGenerator, SupportsProto3Optional) {
  EXPECT_EQ(
      FramerpcGenerator().GetSupportedFeatures() &
          google::protobuf::compiler::CodeGenerator::FEATURE_PROTO3_OPTIONAL,
      google::protobuf::compiler::CodeGenerator::FEATURE_PROTO3_OPTIONAL);
}

TEST(FramerpcGenerator, CommandLineRunWritesBothGeneratorsFiles) {
  ScratchProtos protos;
  ASSERT_NE(protos.Add("a/b/echo.proto", kEcho), nullptr) << protos.errors();
  std::string out = codegen_test::MakeTempDir();
  ASSERT_EQ(RunProtocInProcess({"-I" + protos.dir(), "--cpp_out=" + out,
                                "--framerpc_out=" + out, "a/b/echo.proto"}),
            0);
  EXPECT_EQ(
      codegen_test::ListFiles(out),
      (std::vector<std::string>{"a/b/echo.framerpc.cc", "a/b/echo.framerpc.h",
                                "a/b/echo.pb.cc", "a/b/echo.pb.h"}));
}

TEST(FramerpcGenerator, CommandLineRunRejectsOptionAndStreaming) {
  ScratchProtos protos;
  ASSERT_NE(protos.Add("echo.proto", kEcho), nullptr) << protos.errors();
  ASSERT_NE(protos.Add("chat.proto",
                       "syntax = \"proto3\"; package chat; message M {}\n"
                       "service Chat { rpc Go(stream M) returns (M); }\n"),
            nullptr)
      << protos.errors();
  std::string out = codegen_test::MakeTempDir();
  EXPECT_NE(RunProtocInProcess({"-I" + protos.dir(),
                                "--framerpc_out=bogus=1:" + out, "echo.proto"}),
            0);
  EXPECT_NE(RunProtocInProcess({"-I" + protos.dir(), "--framerpc_opt=bogus",
                                "--framerpc_out=" + out, "echo.proto"}),
            0);
  EXPECT_NE(RunProtocInProcess(
                {"-I" + protos.dir(), "--framerpc_out=" + out, "chat.proto"}),
            0);
  EXPECT_TRUE(codegen_test::ListFiles(out).empty());
}

}  // namespace
}  // namespace codegen
}  // namespace framerpc
