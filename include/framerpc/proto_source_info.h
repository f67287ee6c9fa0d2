// The .proto comments of generated code, for the reflection service.
//
// protobuf's generated code embeds each file's descriptor without its
// SourceCodeInfo, so the comments of a .proto are lost to
// DescriptorPool::generated_pool(). protoc-gen-framerpc therefore writes the
// file's serialized google.protobuf.SourceCodeInfo into the .framerpc.cc it
// generates, and registers it here at static-initialization time; the
// reflection service attaches it to the FileDescriptorProto it serves, so
// `framerpc_cli describe` can print the comments.
//
// Internal to framerpc and its generated code: applications need not call
// anything here. The registry borrows the bytes, which generated code keeps
// in static storage for the life of the program. Thread-safe.
#ifndef FRAMERPC_PROTO_SOURCE_INFO_H_
#define FRAMERPC_PROTO_SOURCE_INFO_H_

#include <cstddef>

#include "absl/strings/string_view.h"

namespace framerpc {
namespace internal {

// Registers `source_info` (a serialized SourceCodeInfo of `size` bytes) for
// the .proto file named `proto_file` as protoc names it ("kv/kv.proto").
// Both are borrowed for the life of the program. A later registration for
// the same file replaces the earlier one.
class ProtoSourceInfoRegistrar {
 public:
  ProtoSourceInfoRegistrar(const char* proto_file, const char* source_info,
                           size_t size);
};

// The serialized SourceCodeInfo registered for `proto_file`; empty when
// none was. The view stays valid for the life of the program.
absl::string_view FindProtoSourceInfo(absl::string_view proto_file);

}  // namespace internal
}  // namespace framerpc

#endif  // FRAMERPC_PROTO_SOURCE_INFO_H_
