#include "codegen/comments.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace framerpc {
namespace codegen {
namespace {

template <class DescriptorT>
std::vector<std::string> LeadingCommentOf(const DescriptorT* descriptor) {
  google::protobuf::SourceLocation location;
  if (!descriptor->GetSourceLocation(&location)) return {};
  return CommentLines(location.leading_comments);
}

}  // namespace

std::vector<std::string> CommentLines(absl::string_view comment) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(comment, '\n')) {
    std::string text(absl::StripTrailingAsciiWhitespace(line));
    if (absl::EndsWith(text, "\\") || absl::EndsWith(text, "?\?/")) {
      text.push_back('.');
    }
    if (text.empty() && lines.empty()) continue;  // leading blank line
    lines.push_back(std::move(text));
  }
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

std::vector<std::string> LeadingComment(
    const google::protobuf::ServiceDescriptor* service) {
  return LeadingCommentOf(service);
}

std::vector<std::string> LeadingComment(
    const google::protobuf::MethodDescriptor* method) {
  return LeadingCommentOf(method);
}

void PrintComment(const std::vector<std::string>& lines,
                  google::protobuf::io::Printer* printer) {
  for (const std::string& line : lines) {
    printer->Print({{"line", line}}, "//$line$\n");
  }
}

}  // namespace codegen
}  // namespace framerpc
