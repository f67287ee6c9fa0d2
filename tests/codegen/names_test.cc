// Naming rules (codegen/names.h), checked against libprotoc 3.21 itself where
// the generated code must agree with protoc's C++ output.
#include "codegen/names.h"

#include <string>
#include <vector>

#include "google/protobuf/compiler/cpp/names.h"
#include "gtest/gtest.h"
#include "tests/codegen/proto_importer.h"

// Exported by libprotoc but declared only in cpp/helpers.h, which does not
// compile outside protobuf's tree on Debian (it includes private headers).
namespace google {
namespace protobuf {
namespace compiler {
namespace cpp {
std::string ResolveKeyword(const std::string& name);
std::string Namespace(const std::string& package);
}  // namespace cpp
}  // namespace compiler
}  // namespace protobuf
}  // namespace google

namespace framerpc {
namespace codegen {
namespace {

namespace pb_cpp = google::protobuf::compiler::cpp;

// Every C++20 keyword and alternative token, predefined macro-ish names, and
// some near misses.
const char* const kCandidates[] = {
    "NULL",
    "TRUE",
    "FALSE",
    "alignas",
    "alignof",
    "and",
    "and_eq",
    "asm",
    "assert",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "class",
    "compl",
    "concept",
    "const",
    "consteval",
    "constexpr",
    "constinit",
    "const_cast",
    "continue",
    "co_await",
    "co_return",
    "co_yield",
    "decltype",
    "default",
    "delete",
    "do",
    "double",
    "dynamic_cast",
    "else",
    "enum",
    "explicit",
    "export",
    "extern",
    "false",
    "final",
    "float",
    "for",
    "friend",
    "goto",
    "if",
    "import",
    "inline",
    "int",
    "long",
    "module",
    "mutable",
    "namespace",
    "new",
    "noexcept",
    "not",
    "not_eq",
    "nullptr",
    "operator",
    "or",
    "or_eq",
    "override",
    "private",
    "protected",
    "public",
    "register",
    "reinterpret_cast",
    "requires",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "static_assert",
    "static_cast",
    "struct",
    "switch",
    "template",
    "this",
    "thread_local",
    "throw",
    "true",
    "try",
    "typedef",
    "typeid",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "wchar_t",
    "while",
    "xor",
    "xor_eq",
    "errno",
    "std",
    "Class",
    "delete_",
    "Delete",
    "Say",
    "main",
    "string",
    "int32_t",
};

TEST(Names, ProtobufKeywordsAreExactlyThoseLibprotocRenames) {
  for (const char* word : kCandidates) {
    EXPECT_EQ(IsProtobufKeyword(word), pb_cpp::ResolveKeyword(word) != word)
        << word;
  }
}

TEST(Names, CppKeywordsIncludeProtobufKeywordsAndCpp20) {
  for (const char* word : kCandidates) {
    if (IsProtobufKeyword(word)) {
      EXPECT_TRUE(IsCppKeyword(word)) << word;
    }
  }
  for (const char* word : {"char16_t", "char8_t", "concept", "requires",
                           "co_await", "consteval", "constinit"}) {
    EXPECT_TRUE(IsCppKeyword(word)) << word;
    EXPECT_FALSE(IsProtobufKeyword(word)) << word;
  }
  for (const char* word : {"final", "override", "import", "module", "Say"}) {
    EXPECT_FALSE(IsCppKeyword(word)) << word;
  }
}

TEST(Names, CppIdentifierAppendsUnderscoreToKeywordsAndAssert) {
  const struct {
    const char* proto;
    const char* cpp;
  } kCases[] = {
      {"Say", "Say"},         {"delete", "delete_"}, {"new", "new_"},
      {"NULL", "NULL_"},      {"assert", "assert_"}, {"concept", "concept_"},
      {"delete_", "delete_"}, {"Delete", "Delete"},  {"final", "final"},
  };
  for (const auto& c : kCases) EXPECT_EQ(CppIdentifier(c.proto), c.cpp);
}

void ExpectSameClassNames(const google::protobuf::Descriptor* message) {
  EXPECT_EQ(QualifiedMessageClassName(message),
            pb_cpp::QualifiedClassName(message))
      << message->full_name();
  EXPECT_EQ(MessageClassName(message), pb_cpp::ClassName(message))
      << message->full_name();
  for (int i = 0; i < message->nested_type_count(); ++i) {
    ExpectSameClassNames(message->nested_type(i));
  }
}

TEST(Names, MessageClassNamesMatchLibprotoc) {
  codegen_test::ProtoImporter importer(FRAMERPC_CODEGEN_PROTOS_DIR);
  for (const char* path : {"deep/awkward.proto", "echo.proto",
                           "google/protobuf/timestamp.proto"}) {
    const google::protobuf::FileDescriptor* file = importer.Import(path);
    ASSERT_NE(file, nullptr) << importer.errors();
    ASSERT_GT(file->message_type_count(), 0) << path;
    for (int i = 0; i < file->message_type_count(); ++i) {
      ExpectSameClassNames(file->message_type(i));
    }
  }
}

TEST(Names, KeywordMessageNames) {
  codegen_test::ProtoImporter importer(FRAMERPC_CODEGEN_PROTOS_DIR);
  const google::protobuf::FileDescriptor* file =
      importer.Import("deep/awkward.proto");
  ASSERT_NE(file, nullptr) << importer.errors();
  const google::protobuf::Descriptor* del =
      file->FindMessageTypeByName("delete");
  ASSERT_NE(del, nullptr);
  EXPECT_EQ(QualifiedMessageClassName(del),
            "::framerpc::test::deep::pkg::delete_");
  EXPECT_EQ(QualifiedMessageClassName(del->nested_type(0)),
            "::framerpc::test::deep::pkg::delete__new");
}

TEST(Names, NamespacesMatchLibprotoc) {
  EXPECT_EQ(QualifiedNamespace(""), "");
  EXPECT_EQ(QualifiedNamespace("framerpc.test.deep.pkg"),
            "::framerpc::test::deep::pkg");
  // protoc keeps keyword components as they are ("a.class.b" gives the
  // uncompilable ::a::class::b), which is why BuildFileModel rejects them.
  for (const char* package :
       {"demo", "a.b.c", "google.protobuf", "a.class.b"}) {
    EXPECT_EQ(QualifiedNamespace(package), pb_cpp::Namespace(package))
        << package;
  }
}

TEST(Names, FilePaths) {
  EXPECT_EQ(StripProtoExtension("a/b/echo.proto"), "a/b/echo");
  EXPECT_EQ(StripProtoExtension("echo.protodevel"), "echo");
  EXPECT_EQ(StripProtoExtension("echo"), "echo");
  EXPECT_EQ(StripProtoExtension("echo.proto.proto"), "echo.proto");
  EXPECT_EQ(pb_cpp::StripProto("a/b/echo.proto"), "a/b/echo");
}

TEST(Names, IncludeGuards) {
  EXPECT_EQ(IncludeGuard("a/b/echo.framerpc.h"),
            "FRAMERPC_GENERATED_A_B_ECHO_FRAMERPC_H_");
  EXPECT_EQ(IncludeGuard("1-x/y z.framerpc.h"),
            "FRAMERPC_GENERATED_1_X_Y_Z_FRAMERPC_H_");
}

}  // namespace
}  // namespace codegen
}  // namespace framerpc
