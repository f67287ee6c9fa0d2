// ServerClassGenerator: emits `Foo::Service`, the base class a server
// subclasses: its declaration (nested in `class Foo`) and the definitions of
// its constructor, which registers every method, and of the default method
// bodies, which return UNIMPLEMENTED.
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call.
#ifndef FRAMERPC_CODEGEN_SERVER_CLASS_GENERATOR_H_
#define FRAMERPC_CODEGEN_SERVER_CLASS_GENERATOR_H_

#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

class ServerClassGenerator {
 public:
  explicit ServerClassGenerator(const ServiceModel& service)
      : service_(service) {}

  // The class declaration, at the printer's current indentation (inside the
  // outer class).
  void GenerateHeader(google::protobuf::io::Printer* printer) const;
  // The out-of-line definitions, at namespace scope.
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  const ServiceModel& service_;
};

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_SERVER_CLASS_GENERATOR_H_
