// Schema, the descriptors framerpc_cli works with, from one of two
// sources: the server's reflection service (FileDescriptorProtos built into
// a private DescriptorPool, imports first) or .proto files read from disk
// with protobuf's compiler::Importer. Either way it makes DynamicMessages of
// the request and response types.
//
// Owns its pool and message factory; descriptors and messages it returns
// live as long as the Schema. Not thread-safe (the CLI has one thread).
#ifndef FRAMERPC_TOOLS_SCHEMA_H_
#define FRAMERPC_TOOLS_SCHEMA_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/message.h"

namespace framerpc {
namespace cli {

class Schema {
 public:
  // From FileDescriptorProtos, each after the files it imports (the order
  // the reflection service sends). INVALID_ARGUMENT naming the file when
  // one does not build.
  static absl::StatusOr<std::unique_ptr<Schema>> FromFileProtos(
      const std::vector<google::protobuf::FileDescriptorProto>& files);

  // From .proto files on disk. Imports are looked up in `import_paths`,
  // then protobuf's own include directory (well-known types); with no
  // import path, each file's directory is one. INVALID_ARGUMENT with
  // protoc-style "file:line:column: message" lines when a file does not
  // parse.
  static absl::StatusOr<std::unique_ptr<Schema>> FromProtoFiles(
      const std::vector<std::string>& protos,
      const std::vector<std::string>& import_paths);

  ~Schema();

  // nullptr when unknown.
  const google::protobuf::ServiceDescriptor* FindService(
      absl::string_view full_name) const;

  // Services defined in the files this schema was made from (for
  // FromFileProtos, every file), sorted by full name.
  std::vector<const google::protobuf::ServiceDescriptor*> services() const;

  // A new empty message of `type`, owned by the caller, valid while this
  // Schema lives.
  std::unique_ptr<google::protobuf::Message> NewMessage(
      const google::protobuf::Descriptor* type);

  const google::protobuf::DescriptorPool* pool() const { return pool_; }

 private:
  class ImportErrors;
  Schema();

  // One of these two owns the pool.
  std::unique_ptr<google::protobuf::DescriptorPool> own_pool_;
  std::unique_ptr<google::protobuf::compiler::DiskSourceTree> source_tree_;
  std::unique_ptr<ImportErrors> import_errors_;
  std::unique_ptr<google::protobuf::compiler::Importer> importer_;

  const google::protobuf::DescriptorPool* pool_ = nullptr;
  std::vector<const google::protobuf::FileDescriptor*> files_;
  std::unique_ptr<google::protobuf::DynamicMessageFactory> factory_;
};

// "pkg.Service/Method" or "pkg.Service.Method" split into service and
// method; INVALID_ARGUMENT for anything else.
absl::Status SplitMethodName(absl::string_view name, std::string* service,
                             std::string* method);

}  // namespace cli
}  // namespace framerpc

#endif  // FRAMERPC_TOOLS_SCHEMA_H_
