// MemoryGeneratorContext: a GeneratorContext that keeps every file the
// generator opens in memory, so a test can check what was written (and that
// nothing was). Owns the file contents; the streams it hands out write into
// them and must be destroyed (as the generator does) before reading files().
#ifndef FRAMERPC_TESTS_CODEGEN_MEMORY_GENERATOR_CONTEXT_H_
#define FRAMERPC_TESTS_CODEGEN_MEMORY_GENERATOR_CONTEXT_H_

#include <map>
#include <string>

#include "google/protobuf/compiler/code_generator.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace framerpc {
namespace codegen_test {

class MemoryGeneratorContext final
    : public google::protobuf::compiler::GeneratorContext {
 public:
  google::protobuf::io::ZeroCopyOutputStream* Open(
      const std::string& filename) override {
    std::string* contents = &files_[filename];
    contents->clear();
    return new google::protobuf::io::StringOutputStream(contents);
  }

  // File name -> contents, for every file opened so far.
  const std::map<std::string, std::string>& files() const { return files_; }

 private:
  std::map<std::string, std::string> files_;
};

}  // namespace codegen_test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CODEGEN_MEMORY_GENERATOR_CONTEXT_H_
