#include "tools/schema.h"

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "rpc/quote_for_status.h"

namespace framerpc {
namespace cli {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;
using google::protobuf::ServiceDescriptor;
namespace compiler = google::protobuf::compiler;

// Collects the Importer's errors as protoc prints them.
class Schema::ImportErrors : public compiler::MultiFileErrorCollector {
 public:
  void AddError(const std::string& filename, int line, int column,
                const std::string& message) override {
    if (line >= 0) {
      absl::StrAppend(&text_, filename, ":", line + 1, ":", column + 1, ": ",
                      message, "\n");
    } else {
      absl::StrAppend(&text_, filename, ": ", message, "\n");
    }
  }
  void AddWarning(const std::string& /*filename*/, int /*line*/, int /*column*/,
                  const std::string& /*message*/) override {}

  std::string Take() {
    std::string text = std::move(text_);
    text_.clear();
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  }

 private:
  std::string text_;
};

Schema::Schema() = default;
Schema::~Schema() = default;

absl::StatusOr<std::unique_ptr<Schema>> Schema::FromFileProtos(
    const std::vector<FileDescriptorProto>& files) {
  std::unique_ptr<Schema> schema(new Schema());
  schema->own_pool_ = std::make_unique<DescriptorPool>();
  schema->pool_ = schema->own_pool_.get();
  for (const FileDescriptorProto& file : files) {
    if (schema->own_pool_->FindFileByName(file.name()) != nullptr) continue;
    const FileDescriptor* built = schema->own_pool_->BuildFile(file);
    if (built == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("the server's definition of ",
                       QuoteForStatus(file.name()), " does not build"));
    }
    schema->files_.push_back(built);
  }
  schema->factory_ =
      std::make_unique<google::protobuf::DynamicMessageFactory>(schema->pool_);
  return schema;
}

absl::StatusOr<std::unique_ptr<Schema>> Schema::FromProtoFiles(
    const std::vector<std::string>& protos,
    const std::vector<std::string>& import_paths) {
  namespace fs = std::filesystem;
  std::unique_ptr<Schema> schema(new Schema());
  schema->source_tree_ = std::make_unique<compiler::DiskSourceTree>();
  compiler::DiskSourceTree& tree = *schema->source_tree_;
  std::vector<std::string> roots = import_paths;
  if (roots.empty()) {
    for (const std::string& proto : protos) {
      std::string dir = fs::path(proto).parent_path().string();
      roots.push_back(dir.empty() ? "." : dir);
    }
  }
  for (const std::string& root : roots) tree.MapPath("", root);
  // Protobuf's own .proto files (google/protobuf/*.proto), as protoc finds
  // them.
  for (const char* include : {"/usr/include", "/usr/local/include"}) {
    if (fs::exists(fs::path(include) / "google/protobuf/descriptor.proto")) {
      tree.MapPath("", include);
      break;
    }
  }
  schema->import_errors_ = std::make_unique<ImportErrors>();
  schema->importer_ =
      std::make_unique<compiler::Importer>(&tree, schema->import_errors_.get());
  schema->pool_ = schema->importer_->pool();
  for (const std::string& proto : protos) {
    std::string virtual_file;
    std::string shadowing;
    if (tree.DiskFileToVirtualFile(proto, &virtual_file, &shadowing) !=
        compiler::DiskSourceTree::SUCCESS) {
      // Not under an import path as given: maybe a path relative to one.
      virtual_file = proto;
    }
    const FileDescriptor* file = schema->importer_->Import(virtual_file);
    if (file == nullptr) {
      std::string errors = schema->import_errors_->Take();
      if (errors.empty()) {
        errors = absl::StrCat(proto, ": cannot read it");
      }
      return absl::InvalidArgumentError(
          absl::StrCat("--proto ", proto, ":\n", errors));
    }
    schema->files_.push_back(file);
  }
  schema->factory_ =
      std::make_unique<google::protobuf::DynamicMessageFactory>(schema->pool_);
  return schema;
}

const ServiceDescriptor* Schema::FindService(
    absl::string_view full_name) const {
  return pool_->FindServiceByName(std::string(full_name));
}

std::vector<const ServiceDescriptor*> Schema::services() const {
  std::vector<const ServiceDescriptor*> services;
  for (const FileDescriptor* file : files_) {
    for (int i = 0; i < file->service_count(); ++i) {
      services.push_back(file->service(i));
    }
  }
  std::sort(services.begin(), services.end(),
            [](const ServiceDescriptor* a, const ServiceDescriptor* b) {
              return a->full_name() < b->full_name();
            });
  return services;
}

std::unique_ptr<google::protobuf::Message> Schema::NewMessage(
    const google::protobuf::Descriptor* type) {
  return std::unique_ptr<google::protobuf::Message>(
      factory_->GetPrototype(type)->New());
}

absl::Status SplitMethodName(absl::string_view name, std::string* service,
                             std::string* method) {
  size_t split = name.find('/');
  if (split == absl::string_view::npos) split = name.rfind('.');
  if (split == absl::string_view::npos || split == 0 ||
      split + 1 == name.size() ||
      name.find('/', split + 1) != absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", name, "' is not a method name (expected pkg.Service/Method)"));
  }
  *service = std::string(name.substr(0, split));
  *method = std::string(name.substr(split + 1));
  return absl::OkStatus();
}

}  // namespace cli
}  // namespace framerpc
