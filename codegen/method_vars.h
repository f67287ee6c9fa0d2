// MethodVars: the io::Printer variables of one method, shared by the
// generators of the Service and Stub classes so that both spell a method the
// same way. Returns a fresh map; the models are only read.
#ifndef FRAMERPC_CODEGEN_METHOD_VARS_H_
#define FRAMERPC_CODEGEN_METHOD_VARS_H_

#include <map>
#include <string>

#include "codegen/file_model.h"

namespace framerpc {
namespace codegen {

// $service$ (C++ class, "Echo"), $qualified_service$ ("::demo::Echo"),
// $method$ (C++ name), $wire_name$ ("Say"), $full_method$ ("demo.Echo/Say"),
// $request$ and $response$ (fully qualified message classes).
std::map<std::string, std::string> MethodVars(const ServiceModel& service,
                                              const MethodModel& method);

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_METHOD_VARS_H_
