#include "codegen/framerpc_generator.h"

#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "codegen/file_generator.h"
#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"

namespace framerpc {
namespace codegen {
namespace {

using google::protobuf::compiler::GeneratorContext;
using google::protobuf::io::Printer;

// Writes one output file through `print`. False, with `*error` set, when the
// context could not take the bytes.
template <class PrintFn>
bool WriteFile(GeneratorContext* context, const std::string& path,
               PrintFn print, std::string* error) {
  std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(
      context->Open(path));
  Printer printer(output.get(), '$');
  print(&printer);
  if (printer.failed()) {
    *error = absl::StrCat("write ", path, ": the output stream failed");
    return false;
  }
  return true;
}

}  // namespace

bool FramerpcGenerator::Generate(const google::protobuf::FileDescriptor* file,
                                 const std::string& parameter,
                                 GeneratorContext* context,
                                 std::string* error) const {
  std::vector<std::pair<std::string, std::string>> options;
  google::protobuf::compiler::ParseGeneratorParameter(parameter, &options);
  if (!options.empty()) {
    *error =
        absl::StrCat(file->name(), ": unknown option '", options.front().first,
                     "' for protoc-gen-framerpc (it takes no options)");
    return false;
  }

  absl::StatusOr<FileModel> model = BuildFileModel(file);
  if (!model.ok()) {
    *error = std::string(model.status().message());
    return false;
  }
  const FileGenerator generator(*model);
  return WriteFile(
             context, model->header_path,
             [&](Printer* p) { generator.GenerateHeader(p); }, error) &&
         WriteFile(
             context, model->source_path,
             [&](Printer* p) { generator.GenerateSource(p); }, error);
}

uint64_t FramerpcGenerator::GetSupportedFeatures() const {
  return FEATURE_PROTO3_OPTIONAL;
}

}  // namespace codegen
}  // namespace framerpc
