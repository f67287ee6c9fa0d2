// BuildFileModel (codegen/file_model.h): the names it picks and every way it
// refuses a file.
#include "codegen/file_model.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "tests/codegen/proto_importer.h"

namespace framerpc {
namespace codegen {
namespace {

using codegen_test::ScratchProtos;

absl::StatusOr<FileModel> ModelOf(ScratchProtos& protos,
                                  const std::string& path,
                                  const std::string& text) {
  const google::protobuf::FileDescriptor* file = protos.Add(path, text);
  if (file == nullptr) return absl::InternalError(protos.errors());
  return BuildFileModel(file);
}

TEST(BuildFileModel, RejectsEveryKindOfStreaming) {
  const struct {
    const char* rpc;
    const char* streams;
  } kCases[] = {
      {"rpc Chat(stream M) returns (M);", "its requests"},
      {"rpc Chat(M) returns (stream M);", "its responses"},
      {"rpc Chat(stream M) returns (stream M);",
       "its requests and its responses"},
  };
  for (const auto& c : kCases) {
    ScratchProtos protos;
    absl::StatusOr<FileModel> model =
        ModelOf(protos, "chat.proto",
                std::string("syntax = \"proto3\"; package demo; message M {}\n"
                            "service Echo { rpc Say(M) returns (M); ") +
                    c.rpc + " }\n");
    ASSERT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument)
        << model.status();
    EXPECT_EQ(std::string(model.status().message()),
              std::string("chat.proto: service demo.Echo, method Chat: "
                          "streaming methods are not supported by framerpc "
                          "(only unary); this method streams ") +
                  c.streams);
  }
}

TEST(BuildFileModel, RejectsLiteMessages) {
  // protoc lets only LITE_RUNTIME files import LITE_RUNTIME files, so a
  // service can meet lite messages only in a lite file.
  ScratchProtos protos;
  absl::StatusOr<FileModel> model =
      ModelOf(protos, "lite.proto",
              "syntax = \"proto3\"; package lite;\n"
              "option optimize_for = LITE_RUNTIME; message L {}\n"
              "service S { rpc Do(L) returns (L); }\n");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(model.status().message()),
            "lite.proto: service lite.S, method Do: message lite.L comes "
            "from lite.proto, which uses optimize_for = LITE_RUNTIME; framerpc "
            "needs full messages (google::protobuf::Message)");
}

TEST(BuildFileModel, RejectsKeywordPackageComponentOnlyWithServices) {
  ScratchProtos protos;
  absl::StatusOr<FileModel> model =
      ModelOf(protos, "k.proto",
              "syntax = \"proto3\"; package a.class.b; message M {}\n"
              "service S { rpc Do(M) returns (M); }\n");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(model.status().message()),
            "k.proto: package a.class.b: 'class' is a C++ keyword, which "
            "protoc's C++ generator keeps as a namespace name, so no C++ code "
            "can be generated for this package");

  EXPECT_TRUE(ModelOf(protos, "m.proto",
                      "syntax = \"proto3\"; package a.class.c; message M {}\n")
                  .ok());
}

TEST(BuildFileModel, KeywordsAndReservedNamesGetUnderscores) {
  ScratchProtos protos;
  absl::StatusOr<FileModel> model = ModelOf(
      protos, "r.proto",
      "syntax = \"proto3\"; package demo; message M {}\n"
      "service Stub { rpc delete(M) returns (M); rpc channel(M) returns (M);\n"
      "  rpc Service(M) returns (M); rpc FindMethod(M) returns (M);\n"
      "  rpc assert(M) returns (M); rpc Say(M) returns (M); }\n"
      "service switch { rpc kServiceName(M) returns (M); }\n");
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_EQ(model->services.size(), 2u);
  const ServiceModel& stub = model->services[0];
  EXPECT_EQ(stub.cpp_name, "Stub_");
  EXPECT_EQ(stub.qualified_cpp_name, "::demo::Stub_");
  EXPECT_EQ(stub.full_name, "demo.Stub");
  std::vector<std::string> wire, cpp;
  for (const MethodModel& m : stub.methods) {
    wire.push_back(m.wire_name);
    cpp.push_back(m.cpp_name);
  }
  EXPECT_EQ(wire, (std::vector<std::string>{"delete", "channel", "Service",
                                            "FindMethod", "assert", "Say"}));
  EXPECT_EQ(cpp, (std::vector<std::string>{"delete_", "channel__", "Service_",
                                           "FindMethod_", "assert_", "Say"}));
  EXPECT_EQ(stub.methods[0].full_name, "demo.Stub/delete");
  EXPECT_EQ(model->services[1].cpp_name, "switch_");
  EXPECT_EQ(model->services[1].methods[0].cpp_name, "kServiceName");
}

TEST(BuildFileModel, RejectsMethodsWithTheSameCppName) {
  ScratchProtos protos;
  absl::StatusOr<FileModel> model = ModelOf(
      protos, "d.proto",
      "syntax = \"proto3\"; package demo; message M {}\n"
      "service S { rpc delete(M) returns (M); rpc delete_(M) returns (M); }\n");
  EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(model.status().message()),
            "d.proto: service demo.S, method delete_: its C++ name delete_ is "
            "already the C++ name of method delete");
}

TEST(BuildFileModel, RejectsServiceClassClashes) {
  ScratchProtos protos;
  absl::StatusOr<FileModel> with_message =
      ModelOf(protos, "c.proto",
              "syntax = \"proto3\"; package demo; message register_ {}\n"
              "service register { rpc Do(register_) returns (register_); }\n");
  EXPECT_EQ(std::string(with_message.status().message()),
            "c.proto: service demo.register: its C++ class register_ clashes "
            "with the C++ class of message demo.register_");

  absl::StatusOr<FileModel> with_nested = ModelOf(
      protos, "n.proto",
      "syntax = \"proto3\"; package demo; message A { enum B { X = 0; } }\n"
      "service A_B { rpc Do(A) returns (A); }\n");
  EXPECT_EQ(std::string(with_nested.status().message()),
            "n.proto: service demo.A_B: its C++ class A_B clashes with the "
            "C++ class of enum demo.A.B");

  absl::StatusOr<FileModel> with_service =
      ModelOf(protos, "s.proto",
              "syntax = \"proto3\"; package demo; message M {}\n"
              "service new { rpc Do(M) returns (M); }\n"
              "service new_ { rpc Do(M) returns (M); }\n");
  EXPECT_EQ(std::string(with_service.status().message()),
            "s.proto: service demo.new_: its C++ class new_ clashes with the "
            "C++ class of service demo.new");
}

TEST(BuildFileModel, PathsNamespaceAndIncludes) {
  ScratchProtos protos;
  ASSERT_NE(protos.Add("z/types.proto",
                       "syntax = \"proto3\"; package other; message T {}\n"),
            nullptr)
      << protos.errors();
  absl::StatusOr<FileModel> model = ModelOf(
      protos, "a/b/echo.proto",
      "syntax = \"proto3\"; package a.b; import \"z/types.proto\";\n"
      "import \"google/protobuf/empty.proto\"; message M {}\n"
      "service Echo { rpc A(other.T) returns (M);\n"
      "  rpc B(google.protobuf.Empty) returns (google.protobuf.Empty); }\n");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->proto_path, "a/b/echo.proto");
  EXPECT_EQ(model->header_path, "a/b/echo.framerpc.h");
  EXPECT_EQ(model->source_path, "a/b/echo.framerpc.cc");
  EXPECT_EQ(model->include_guard, "FRAMERPC_GENERATED_A_B_ECHO_FRAMERPC_H_");
  EXPECT_EQ(model->cpp_namespace, "a::b");
  EXPECT_EQ(
      model->pb_headers,
      (std::vector<std::string>{"a/b/echo.pb.h", "google/protobuf/empty.pb.h",
                                "z/types.pb.h"}));
  const MethodModel& a = model->services[0].methods[0];
  EXPECT_EQ(a.request_type, "::other::T");
  EXPECT_EQ(a.response_type, "::a::b::M");
  EXPECT_EQ(model->services[0].methods[1].request_type,
            "::google::protobuf::Empty");
}

TEST(BuildFileModel, NoPackage) {
  ScratchProtos protos;
  absl::StatusOr<FileModel> model =
      ModelOf(protos, "lonely.proto",
              "syntax = \"proto3\"; message M {}\n"
              "service Lonely { rpc Ping(M) returns (M); }\n");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->cpp_namespace, "");
  EXPECT_EQ(model->services[0].full_name, "Lonely");
  EXPECT_EQ(model->services[0].qualified_cpp_name, "::Lonely");
  EXPECT_EQ(model->services[0].methods[0].full_name, "Lonely/Ping");
  EXPECT_EQ(model->services[0].methods[0].request_type, "::M");
}

}  // namespace
}  // namespace codegen
}  // namespace framerpc
