#include "tests/codegen/proto_importer.h"

#include "absl/strings/str_cat.h"
#include "tests/codegen/test_files.h"

namespace framerpc {
namespace codegen_test {

class ProtoImporter::ErrorCollector final
    : public google::protobuf::compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    absl::StrAppend(&text_, filename, ":", line + 1, ":", column + 1, ": ",
                    message, "\n");
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

std::string ProtobufIncludeDir() { return FRAMERPC_PROTOBUF_INCLUDE_DIR; }

ProtoImporter::ProtoImporter(const std::string& root)
    : errors_(std::make_unique<ErrorCollector>()) {
  source_tree_.MapPath("", root);
  source_tree_.MapPath("", ProtobufIncludeDir());
  importer_ = std::make_unique<google::protobuf::compiler::Importer>(
      &source_tree_, errors_.get());
}

ProtoImporter::~ProtoImporter() = default;

const google::protobuf::FileDescriptor* ProtoImporter::Import(
    const std::string& path) {
  return importer_->Import(path);
}

const std::string& ProtoImporter::errors() const { return errors_->text(); }

ScratchProtos::ScratchProtos() : dir_(MakeTempDir()), importer_(dir_) {}

const google::protobuf::FileDescriptor* ScratchProtos::Add(
    const std::string& path, const std::string& text) {
  WriteFile(absl::StrCat(dir_, "/", path), text);
  return importer_.Import(path);
}

}  // namespace codegen_test
}  // namespace framerpc
