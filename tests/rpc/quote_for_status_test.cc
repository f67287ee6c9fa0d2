#include "rpc/quote_for_status.h"

#include <string>

#include "gtest/gtest.h"
#include "rpc/utf8.h"

namespace framerpc {
namespace {

TEST(QuoteForStatus, QuotesShortTextWhole) {
  EXPECT_EQ(QuoteForStatus(""), "''");
  EXPECT_EQ(QuoteForStatus("pkg.Service/Method"), "'pkg.Service/Method'");
  const std::string at_limit(kMaxQuotedPeerBytes, 'a');
  EXPECT_EQ(QuoteForStatus(at_limit), "'" + at_limit + "'");
}

TEST(QuoteForStatus, CutsLongTextAndNamesItsLength) {
  const std::string huge(16 << 20, 'a');
  EXPECT_EQ(QuoteForStatus(huge), "'" + std::string(kMaxQuotedPeerBytes, 'a') +
                                      "...' (16777216 bytes)");
  EXPECT_EQ(QuoteForStatus(std::string(kMaxQuotedPeerBytes + 1, 'b')),
            "'" + std::string(kMaxQuotedPeerBytes, 'b') + "...' (129 bytes)");
}

TEST(QuoteForStatus, NeverSplitsAUtf8Sequence) {
  // A euro sign (3 bytes) straddling the cut is left out whole.
  const std::string text =
      std::string(kMaxQuotedPeerBytes - 1, 'a') + "\xe2\x82\xac" + "tail";
  const std::string quoted = QuoteForStatus(text);
  EXPECT_EQ(quoted, "'" + std::string(kMaxQuotedPeerBytes - 1, 'a') + "...' (" +
                        std::to_string(text.size()) + " bytes)");
  EXPECT_TRUE(IsValidUtf8(quoted));
}

TEST(QuoteForStatus, EscapesBytesThatAreNotUtf8) {
  EXPECT_EQ(QuoteForStatus("a\xffz"), "'a\\xffz'");
  const std::string quoted = QuoteForStatus(std::string(1000, '\xff'));
  EXPECT_TRUE(IsValidUtf8(quoted));
  EXPECT_LT(quoted.size(), 4 * kMaxQuotedPeerBytes + 30);
}

}  // namespace
}  // namespace framerpc
