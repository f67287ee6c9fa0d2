#include "codegen/source_info_generator.h"

#include <cstdio>

#include "absl/strings/escaping.h"

namespace framerpc {
namespace codegen {

std::vector<std::string> EscapeAsStringLiterals(absl::string_view bytes,
                                                size_t width) {
  std::vector<std::string> pieces(1);
  for (const char c : bytes) {
    const unsigned char byte = static_cast<unsigned char>(c);
    char escaped[5];
    if (byte >= 0x20 && byte < 0x7f && c != '\\' && c != '"' && c != '?') {
      escaped[0] = c;
      escaped[1] = '\0';
    } else {
      std::snprintf(escaped, sizeof(escaped), "\\%03o", byte);
    }
    if (pieces.back().size() >= width) pieces.emplace_back();
    pieces.back() += escaped;
  }
  return pieces;
}

void SourceInfoGenerator::GenerateSource(
    google::protobuf::io::Printer* printer) const {
  printer->Print(
      {{"proto", absl::CEscape(file_.proto_path)}},
      "\n"
      "namespace {\n"
      "\n"
      "// The comments of $proto$: its google.protobuf.SourceCodeInfo,\n"
      "// serialized, for the reflection service (framerpc_cli describe).\n"
      "const char kFramerpcProtoSourceInfo[] =\n");
  // The escaped bytes go in as values, never as template text.
  const std::vector<std::string> pieces =
      EscapeAsStringLiterals(file_.source_info, 72);
  for (size_t i = 0; i < pieces.size(); ++i) {
    printer->Print({{"piece", pieces[i]},
                    {"end", i + 1 == pieces.size() ? ";" : ""}},
                   "    \"$piece$\"$end$\n");
  }
  printer->Print({{"proto", absl::CEscape(file_.proto_path)}},
                 "const ::framerpc::internal::ProtoSourceInfoRegistrar\n"
                 "    kFramerpcRegisterProtoSourceInfo(\n"
                 "        \"$proto$\", kFramerpcProtoSourceInfo,\n"
                 "        sizeof(kFramerpcProtoSourceInfo) - 1);\n"
                 "\n"
                 "}  // namespace\n");
}

}  // namespace codegen
}  // namespace framerpc
