// protoc-gen-framerpc: the protoc plugin that writes framerpc services and
// stubs. Usage: protoc --plugin=protoc-gen-framerpc=PATH --framerpc_out=DIR
// x.proto. All the work is in FramerpcGenerator (codegen/framerpc_generator.h).
#include "codegen/framerpc_generator.h"
#include "google/protobuf/compiler/plugin.h"

int main(int argc, char* argv[]) {
  framerpc::codegen::FramerpcGenerator generator;
  return google::protobuf::compiler::PluginMain(argc, argv, &generator);
}
