// Copies the leading comments of services and methods from a .proto file into
// generated C++: CommentLines() turns protoc's comment text into lines that
// are safe after "//", PrintComment() writes them. Descriptors and the
// printer are borrowed for the duration of each call.
#ifndef FRAMERPC_CODEGEN_COMMENTS_H_
#define FRAMERPC_CODEGEN_COMMENTS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace framerpc {
namespace codegen {

// Splits a comment as protoc reports it (" line one\n line two\n") into
// lines to print after "//". Trailing whitespace and blank lines at either
// end are dropped. A line ending in a backslash (or the trigraph "??/") gets
// a '.' appended, so that it cannot swallow the next line of code.
std::vector<std::string> CommentLines(absl::string_view comment);

// The leading comment of a service or method, as CommentLines(); empty when
// there is none or the descriptor carries no source info.
std::vector<std::string> LeadingComment(
    const google::protobuf::ServiceDescriptor* service);
std::vector<std::string> LeadingComment(
    const google::protobuf::MethodDescriptor* method);

// Prints one "//<line>" per line at the printer's indentation. The lines are
// printed verbatim: '$' in a comment is not a printer variable.
void PrintComment(const std::vector<std::string>& lines,
                  google::protobuf::io::Printer* printer);

}  // namespace codegen
}  // namespace framerpc

#endif  // FRAMERPC_CODEGEN_COMMENTS_H_
