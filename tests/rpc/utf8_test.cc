#include "rpc/utf8.h"

#include <string>

#include "gtest/gtest.h"

namespace framerpc {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  for (const std::string text :
       {"", "ascii", "caf\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf"}) {
    EXPECT_TRUE(IsValidUtf8(text)) << text;
  }
}

TEST(Utf8, RejectsMalformedText) {
  for (const std::string text :
       {"\xff", "\x80", "\xc0\xaf", "\xc3", "\xe0\x80\x80", "\xed\xa0\x80",
        "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "ok\xe2\x82"}) {
    EXPECT_FALSE(IsValidUtf8(text)) << ValidUtf8OrEscaped(text);
  }
}

TEST(Utf8, EscapesOnlyWhenInvalid) {
  EXPECT_EQ(ValidUtf8OrEscaped("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(ValidUtf8OrEscaped("a\xffz"), "a\\xffz");
}

}  // namespace
}  // namespace framerpc
