// ProtoImporter: parses .proto files from disk into its own DescriptorPool,
// keeping source info (comments) as protoc does, so tests can hand real
// FileDescriptors to the generator. The well-known types are found in the
// protobuf include directory the build was configured with.
//
// Owns the pool: descriptors live as long as the importer. Not thread-safe.
#ifndef FRAMERPC_TESTS_CODEGEN_PROTO_IMPORTER_H_
#define FRAMERPC_TESTS_CODEGEN_PROTO_IMPORTER_H_

#include <memory>
#include <string>

#include "google/protobuf/compiler/importer.h"
#include "google/protobuf/descriptor.h"

namespace framerpc {
namespace codegen_test {

// protobuf's include directory (google/protobuf/*.proto), from the build.
std::string ProtobufIncludeDir();

class ProtoImporter {
 public:
  // Imports are looked up in `root`, then in ProtobufIncludeDir().
  explicit ProtoImporter(const std::string& root);
  ~ProtoImporter();

  // Parses `path` (relative to the root) and what it imports. Returns null
  // and records the parser's messages in errors() on failure.
  const google::protobuf::FileDescriptor* Import(const std::string& path);

  // Everything the parser reported so far, one message per line.
  const std::string& errors() const;

 private:
  class ErrorCollector;

  google::protobuf::compiler::DiskSourceTree source_tree_;
  std::unique_ptr<ErrorCollector> errors_;
  std::unique_ptr<google::protobuf::compiler::Importer> importer_;
};

// ScratchProtos: .proto text written to a fresh temporary directory and
// imported from there, for tests that need a one-off file.
class ScratchProtos {
 public:
  ScratchProtos();

  // Writes `text` to `path` (relative to the scratch directory) and imports
  // it; null (see errors()) when it does not parse.
  const google::protobuf::FileDescriptor* Add(const std::string& path,
                                              const std::string& text);

  const std::string& dir() const { return dir_; }
  const std::string& errors() const { return importer_.errors(); }

 private:
  std::string dir_;
  ProtoImporter importer_;
};

}  // namespace codegen_test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CODEGEN_PROTO_IMPORTER_H_
