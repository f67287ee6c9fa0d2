// Naming rules of protoc-gen-framerpc: how proto names become C++ names and
// which file names the plugin writes. Pure functions; descriptors are only
// read during the call.
//
// Two kinds of names meet in generated code:
//  - message classes, defined by protoc's own C++ generator. We must spell
//    them exactly as it does (protobuf 3.21): nested messages joined with
//    '_', and a trailing '_' when the result is in protobuf's keyword list.
//  - names framerpc introduces (service classes, methods). These get a
//    trailing '_' when they are a C++ keyword of any standard up to C++20, or
//    `assert` (a function-like macro). The wire name never changes.
#ifndef FRAMERPC_CODEGEN_NAMES_H_
#define FRAMERPC_CODEGEN_NAMES_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace framerpc {
namespace codegen {

// True when protoc's C++ generator (3.21) renames `name` by appending '_'.
bool IsProtobufKeyword(absl::string_view name);

// True when `name` is a C++ keyword or alternative token (C++11 to C++20),
// or NULL. A superset of IsProtobufKeyword.
bool IsCppKeyword(absl::string_view name);

// The C++ spelling of a name framerpc introduces: `name` itself, or
// `name` + "_" when it is a keyword or `assert`.
std::string CppIdentifier(absl::string_view name);

// The C++ class of `message` as protoc's C++ generator names it, fully
// qualified: "::demo::SayRequest", "::pkg::Outer_Inner", "::pkg::delete_".
std::string QualifiedMessageClassName(
    const google::protobuf::Descriptor* message);

// The C++ class of `message` without its namespace: "Outer_Inner".
std::string MessageClassName(const google::protobuf::Descriptor* message);

// The C++ namespace of a proto package, fully qualified: "::a::b::c" for
// "a.b.c", "" for no package. Components are used verbatim, as protoc does.
std::string QualifiedNamespace(const std::string& package);

// "a/b/echo.proto" -> "a/b/echo" (also strips ".protodevel", as protoc does).
std::string StripProtoExtension(const std::string& proto_path);

// The header protoc's C++ generator writes for `file`: "a/b/echo.pb.h".
std::string PbHeaderPath(const google::protobuf::FileDescriptor* file);

// The files this plugin writes for `file`: "a/b/echo.framerpc.h" / ".cc".
std::string GeneratedHeaderPath(const google::protobuf::FileDescriptor* file);
std::string GeneratedSourcePath(const google::protobuf::FileDescriptor* file);

// The include guard of a generated header:
// "a/b/echo.framerpc.h" -> "FRAMERPC_GENERATED_A_B_ECHO_FRAMERPC_H_".
std::string IncludeGuard(absl::string_view header_path);

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_NAMES_H_
