#include "tests/codegen/in_process_protoc.h"

#include "codegen/framerpc_generator.h"
#include "google/protobuf/compiler/command_line_interface.h"
#include "google/protobuf/compiler/cpp/generator.h"

namespace framerpc {
namespace codegen_test {

int RunProtocInProcess(const std::vector<std::string>& args) {
  google::protobuf::compiler::CommandLineInterface cli;
  google::protobuf::compiler::cpp::CppGenerator cpp;
  codegen::FramerpcGenerator framerpc;
  cli.RegisterGenerator("--cpp_out", &cpp, "Generate C++ messages.");
  cli.RegisterGenerator("--framerpc_out", "--framerpc_opt", &framerpc,
                        "Generate framerpc services and stubs.");
  std::vector<const char*> argv = {"protoc"};
  for (const std::string& arg : args) argv.push_back(arg.c_str());
  return cli.Run(static_cast<int>(argv.size()), argv.data());
}

}  // namespace codegen_test
}  // namespace framerpc
