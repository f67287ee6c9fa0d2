// The escaping that puts a file's serialized SourceCodeInfo into the
// generated .framerpc.cc: every byte survives, and no piece can end inside
// an escape or form a trigraph.
#include "codegen/source_info_generator.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace framerpc {
namespace codegen {
namespace {

TEST(SourceInfoGenerator, PrintableTextStaysAndEverythingElseIsOctal) {
  const std::vector<std::string> pieces = EscapeAsStringLiterals(
      std::string("a \"b\"\\??\n\x00\xff$", 12), 1000);
  ASSERT_EQ(pieces.size(), 1u);
  EXPECT_EQ(pieces[0], "a \\042b\\042\\134\\077\\077\\012\\000\\377$");
}

TEST(SourceInfoGenerator, PiecesAreCutBetweenEscapes) {
  const std::vector<std::string> pieces =
      EscapeAsStringLiterals(std::string("\x01\x02\x03", 3), 5);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0], "\\001\\002");
  EXPECT_EQ(pieces[1], "\\003");
}

}  // namespace
}  // namespace codegen
}  // namespace framerpc
