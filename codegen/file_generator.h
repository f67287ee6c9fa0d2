// FileGenerator: emits the two files of one .proto, `<name>.framerpc.h` and
// `<name>.framerpc.cc`: banner, include guard, includes and the package's
// namespace around one ServiceGenerator per service, then the .proto's
// comments for reflection (SourceInfoGenerator).
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call.
#ifndef FRAMERPC_CODEGEN_FILE_GENERATOR_H_
#define FRAMERPC_CODEGEN_FILE_GENERATOR_H_

#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

class FileGenerator {
 public:
  explicit FileGenerator(const FileModel& file) : file_(file) {}

  // The whole of `<name>.framerpc.h`.
  void GenerateHeader(google::protobuf::io::Printer* printer) const;
  // The whole of `<name>.framerpc.cc`.
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  void PrintBanner(google::protobuf::io::Printer* printer) const;
  void OpenNamespace(google::protobuf::io::Printer* printer) const;
  void CloseNamespace(google::protobuf::io::Printer* printer) const;

  const FileModel& file_;
};

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_FILE_GENERATOR_H_
