// FramerpcGenerator: the protoc CodeGenerator behind protoc-gen-framerpc. For
// every .proto it writes `<name>.framerpc.h` and `<name>.framerpc.cc` beside
// protoc's `<name>.pb.h` (docs/api.md §3), or fails without writing anything
// when the file uses something framerpc does not support (see
// BuildFileModel()).
//
// Stateless, so one instance may serve any number of runs; the descriptors
// and the context are borrowed for the duration of Generate().
#ifndef FRAMERPC_CODEGEN_FRAMERPC_GENERATOR_H_
#define FRAMERPC_CODEGEN_FRAMERPC_GENERATOR_H_

#include <cstdint>
#include <string>

#include "google/protobuf/compiler/code_generator.h"
#include "google/protobuf/descriptor.h"

namespace framerpc {
namespace codegen {

class FramerpcGenerator final
    : public google::protobuf::compiler::CodeGenerator {
 public:
  // `parameter` is what follows `--framerpc_out=` before the ':' (or
  // `--framerpc_opt`). The plugin takes no options yet, so any option is
  // rejected. On failure, `*error` names the file (and the service and
  // method where one is at fault) and nothing is written.
  bool Generate(const google::protobuf::FileDescriptor* file,
                const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;

  // proto3 `optional` fields do not affect services, so they are accepted.
  uint64_t GetSupportedFeatures() const override;
};

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_FRAMERPC_GENERATOR_H_
