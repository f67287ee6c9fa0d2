// SourceInfoGenerator: emits, at the end of `<name>.framerpc.cc`, the
// file's serialized SourceCodeInfo as a string literal and its registration
// with framerpc::internal::ProtoSourceInfoRegistrar, so the reflection
// service can serve the .proto's comments (framerpc/proto_source_info.h).
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call.
#ifndef FRAMERPC_CODEGEN_SOURCE_INFO_GENERATOR_H_
#define FRAMERPC_CODEGEN_SOURCE_INFO_GENERATOR_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

class SourceInfoGenerator {
 public:
  explicit SourceInfoGenerator(const FileModel& file) : file_(file) {}

  // True when there is anything to emit (protoc passed source info).
  bool HasSourceInfo() const { return !file_.source_info.empty(); }

  // The literal and the registrar, in an anonymous namespace.
  // REQUIRES: HasSourceInfo().
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  const FileModel& file_;
};

// `bytes` as the contents of C++ string literals (without the quotes), cut
// into pieces of at most about `width` characters. Printable ASCII stays as
// it is, apart from '\\', '"' and '?' (no trigraphs); every other byte is a
// three-digit octal escape, whose fixed length makes any cut safe.
std::vector<std::string> EscapeAsStringLiterals(absl::string_view bytes,
                                                size_t width);

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_SOURCE_INFO_GENERATOR_H_
