#include "codegen/names.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.pb.h"

namespace framerpc {
namespace codegen {
namespace {

// The words protoc 3.21's C++ generator renames: the C++11 keywords and
// alternative tokens, except char16_t and char32_t, plus NULL. The test
// tests/codegen/names_test.cc checks this list against libprotoc itself.
constexpr absl::string_view kProtobufKeywords[] = {
    // clang-format off
    "NULL", "alignas", "alignof", "and", "and_eq", "asm",
    "auto", "bitand", "bitor", "bool", "break", "case",
    "catch", "char", "class", "compl", "const", "const_cast",
    "constexpr", "continue", "decltype", "default", "delete", "do",
    "double", "dynamic_cast", "else", "enum", "explicit", "export",
    "extern", "false", "float", "for", "friend", "goto",
    "if", "inline", "int", "long", "mutable", "namespace",
    "new", "noexcept", "not", "not_eq", "nullptr", "operator",
    "or", "or_eq", "private", "protected", "public", "register",
    "reinterpret_cast", "return", "short", "signed", "sizeof", "static",
    "static_assert", "static_cast", "struct", "switch", "template", "this",
    "thread_local", "throw", "true", "try", "typedef", "typeid",
    "typename", "union", "unsigned", "using", "virtual", "void",
    "volatile", "wchar_t", "while", "xor", "xor_eq",
    // clang-format on
};

// Keywords protobuf 3.21 does not rename: char16_t and char32_t (C++11) and
// those added in C++20, so that generated code also builds as C++20.
constexpr absl::string_view kOtherCppKeywords[] = {
    // clang-format off
    "char8_t", "char16_t", "char32_t", "co_await", "co_return", "co_yield",
    "concept", "consteval", "constinit", "requires",
    // clang-format on
};

template <size_t N>
bool Contains(const absl::string_view (&words)[N], absl::string_view name) {
  return std::find(std::begin(words), std::end(words), name) != std::end(words);
}

}  // namespace

bool IsProtobufKeyword(absl::string_view name) {
  return Contains(kProtobufKeywords, name);
}

bool IsCppKeyword(absl::string_view name) {
  return IsProtobufKeyword(name) || Contains(kOtherCppKeywords, name);
}

std::string CppIdentifier(absl::string_view name) {
  if (IsCppKeyword(name) || name == "assert") return absl::StrCat(name, "_");
  return std::string(name);
}

std::string MessageClassName(const google::protobuf::Descriptor* message) {
  // Nested messages are flattened into one class name, outermost first; the
  // keyword check applies to the flattened name only.
  std::string name;
  if (message->containing_type() != nullptr) {
    name = absl::StrCat(MessageClassName(message->containing_type()), "_");
  }
  absl::StrAppend(&name, message->name());
  if (message->options().map_entry()) absl::StrAppend(&name, "_DoNotUse");
  if (IsProtobufKeyword(name)) absl::StrAppend(&name, "_");
  return name;
}

std::string QualifiedMessageClassName(
    const google::protobuf::Descriptor* message) {
  return absl::StrCat(QualifiedNamespace(message->file()->package()),
                      "::", MessageClassName(message));
}

std::string QualifiedNamespace(const std::string& package) {
  if (package.empty()) return "";
  return absl::StrCat("::", absl::StrReplaceAll(package, {{".", "::"}}));
}

std::string StripProtoExtension(const std::string& proto_path) {
  absl::string_view path = proto_path;
  if (!absl::ConsumeSuffix(&path, ".protodevel")) {
    absl::ConsumeSuffix(&path, ".proto");
  }
  return std::string(path);
}

std::string PbHeaderPath(const google::protobuf::FileDescriptor* file) {
  return absl::StrCat(StripProtoExtension(file->name()), ".pb.h");
}

std::string GeneratedHeaderPath(const google::protobuf::FileDescriptor* file) {
  return absl::StrCat(StripProtoExtension(file->name()), ".framerpc.h");
}

std::string GeneratedSourcePath(const google::protobuf::FileDescriptor* file) {
  return absl::StrCat(StripProtoExtension(file->name()), ".framerpc.cc");
}

std::string IncludeGuard(absl::string_view header_path) {
  std::string guard = "FRAMERPC_GENERATED_";
  for (char c : header_path) {
    guard.push_back(absl::ascii_isalnum(static_cast<unsigned char>(c))
                        ? absl::ascii_toupper(static_cast<unsigned char>(c))
                        : '_');
  }
  guard.push_back('_');
  return guard;
}

}  // namespace codegen
}  // namespace framerpc
