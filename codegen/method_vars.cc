#include "codegen/method_vars.h"

namespace framerpc {
namespace codegen {

std::map<std::string, std::string> MethodVars(const ServiceModel& service,
                                              const MethodModel& method) {
  return {
      {"service", service.cpp_name},
      {"qualified_service", service.qualified_cpp_name},
      {"method", method.cpp_name},
      {"wire_name", method.wire_name},
      {"full_method", method.full_name},
      {"request", method.request_type},
      {"response", method.response_type},
  };
}

}  // namespace codegen
}  // namespace framerpc
