// FileModel: everything the generators print for one .proto file, with every
// name already resolved to its C++ spelling. BuildFileModel() is the one place
// that decides whether a file can be generated at all, so that an unsupported
// file fails before any output is opened.
//
// A model is a plain value: it copies what it needs and keeps no pointer into
// the descriptors it was built from.
#ifndef FRAMERPC_CODEGEN_FILE_MODEL_H_
#define FRAMERPC_CODEGEN_FILE_MODEL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace framerpc {
namespace codegen {

struct MethodModel {
  std::string wire_name;             // "Say", as in the .proto and on the wire
  std::string cpp_name;              // "Say"; "delete_" for rpc delete
  std::string full_name;             // "demo.Echo/Say", what the stub sends
  std::string request_type;          // "::demo::SayRequest"
  std::string response_type;         // "::demo::SayReply"
  std::vector<std::string> comment;  // leading comment, see CommentLines()
};

struct ServiceModel {
  std::string full_name;           // "demo.Echo", kServiceName
  std::string cpp_name;            // "Echo"; "register_" for a keyword
  std::string qualified_cpp_name;  // "::demo::Echo"
  std::vector<std::string> comment;
  std::vector<MethodModel> methods;  // in .proto order
};

struct FileModel {
  std::string proto_path;     // "a/b/echo.proto", as protoc names it
  std::string header_path;    // "a/b/echo.framerpc.h"
  std::string source_path;    // "a/b/echo.framerpc.cc"
  std::string include_guard;  // "FRAMERPC_GENERATED_A_B_ECHO_FRAMERPC_H_"
  std::string cpp_namespace;  // "a::b" (no leading "::"); "" for no package
  // The .pb.h files to include: the file's own first, then those of every
  // other file that defines a request or response type, sorted.
  std::vector<std::string> pb_headers;
  std::vector<ServiceModel> services;  // in .proto order
  // The file's google.protobuf.SourceCodeInfo (its comments), serialized;
  // empty when protoc passed none. See framerpc/proto_source_info.h.
  std::string source_info;
};

// Builds the model of `file` (borrowed for the call). Fails with
// INVALID_ARGUMENT, naming the file and, where it applies, the service and
// method, when framerpc cannot generate code for it:
//  - a client-, server- or bidi-streaming method;
//  - a request or response message from a LITE_RUNTIME file;
//  - a package component that is a C++ keyword (protoc's own C++ output for
//    such a package does not compile either);
//  - two methods (or services) whose C++ names coincide once keywords and
//    reserved member names get their trailing '_';
//  - a service whose C++ class name is already used by a message or enum of
//    the same file.
absl::StatusOr<FileModel> BuildFileModel(
    const google::protobuf::FileDescriptor* file);

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_FILE_MODEL_H_
