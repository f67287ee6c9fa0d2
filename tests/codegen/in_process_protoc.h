// RunProtocInProcess: protoc's own command line front end, run inside the
// test with protobuf's C++ generator (--cpp_out) and FramerpcGenerator
// (--framerpc_out, --framerpc_opt) registered, as the real
// `protoc --plugin=protoc-gen-framerpc=...` would have them.
#ifndef FRAMERPC_TESTS_CODEGEN_IN_PROCESS_PROTOC_H_
#define FRAMERPC_TESTS_CODEGEN_IN_PROCESS_PROTOC_H_

#include <string>
#include <vector>

namespace framerpc {
namespace codegen_test {

// `args` are protoc's arguments without argv[0]. Returns protoc's exit code
// (0 on success); errors go to stderr, as protoc's do.
int RunProtocInProcess(const std::vector<std::string>& args);

}  // namespace codegen_test
}  // namespace framerpc

#endif  // FRAMERPC_TESTS_CODEGEN_IN_PROCESS_PROTOC_H_
