// Comment copying (codegen/comments.h): protoc's comment text in, lines that
// are safe after "//" out.
#include "codegen/comments.h"

#include <string>
#include <vector>

#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "tests/codegen/proto_importer.h"

namespace framerpc {
namespace codegen {
namespace {

using Lines = std::vector<std::string>;

TEST(CommentLines, Table) {
  const struct {
    const char* comment;
    Lines lines;
  } kCases[] = {
      {"", {}},
      {" One line.\n", {" One line."}},
      {" Two\n lines.\n", {" Two", " lines."}},
      {"\n\n Blank edges dropped.\n\n", {" Blank edges dropped."}},
      {" Inner\n\n blank kept.\n", {" Inner", "", " blank kept."}},
      {" trailing spaces   \t\r\n", {" trailing spaces"}},
      {" ends in a backslash \\\n next", {" ends in a backslash \\.", " next"}},
      {" trigraph ?\?/\n", {" trigraph ?\?/."}},
      {" $dollar$ stays\n", {" $dollar$ stays"}},
      {"no leading space\n", {"no leading space"}},
  };
  for (const auto& c : kCases) {
    EXPECT_EQ(CommentLines(c.comment), c.lines) << '"' << c.comment << '"';
  }
}

TEST(PrintComment, PrintsLinesVerbatimAtIndentation) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::Printer printer(&stream, '$');
    printer.Indent();
    PrintComment({" a $b$ c", "", " d"}, &printer);
    printer.Outdent();
  }
  EXPECT_EQ(out, "  // a $b$ c\n  //\n  // d\n");
}

TEST(LeadingComment, ComesFromSourceInfo) {
  codegen_test::ProtoImporter importer(FRAMERPC_CODEGEN_PROTOS_DIR);
  const google::protobuf::FileDescriptor* file = importer.Import("echo.proto");
  ASSERT_NE(file, nullptr) << importer.errors();
  const google::protobuf::ServiceDescriptor* echo = file->service(0);
  EXPECT_EQ(LeadingComment(echo),
            Lines{" Echo answers every request with its own text."});
  EXPECT_EQ(LeadingComment(echo->method(0)),
            Lines{" Returns the request's text unchanged."});
}

}  // namespace
}  // namespace codegen
}  // namespace framerpc
