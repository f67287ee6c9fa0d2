// StubClassGenerator: emits `Foo::Stub`, the client's typed view of a
// service: its declaration (nested in `class Foo`) and the definitions of its
// methods, each of which is one call into framerpc::Channel::Call.
//
// Borrows the model, which must outlive the generator. The printer passed to
// each call is only used during the call.
#ifndef FRAMERPC_CODEGEN_STUB_CLASS_GENERATOR_H_
#define FRAMERPC_CODEGEN_STUB_CLASS_GENERATOR_H_

#include "codegen/file_model.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

class StubClassGenerator {
 public:
  explicit StubClassGenerator(const ServiceModel& service)
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

#endif  // FRAMERPC_CODEGEN_STUB_CLASS_GENERATOR_H_
