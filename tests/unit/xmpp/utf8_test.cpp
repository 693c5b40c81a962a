// The UTF-8 check the stream runs before expat sees a byte.
#include <gtest/gtest.h>

#include "xmpp/utf8.hpp"

namespace confab::xmpp {
namespace {

std::size_t first_bad(std::string_view s) { return Utf8Validator().feed(as_bytes(s)); }

TEST(Utf8, AcceptsEveryLengthAtItsBoundaries) {
  for (std::string_view s : {"\x7F", "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
                             "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"})
    EXPECT_EQ(first_bad(s), Utf8Validator::npos) << s;
}

TEST(Utf8, RefusesOverlongSurrogatesAndOutOfRange) {
  EXPECT_EQ(first_bad("ab\xC0\x80"), 2u);          // overlong NUL
  EXPECT_EQ(first_bad("\xC1\xBF"), 0u);            // overlong
  EXPECT_EQ(first_bad("\xE0\x9F\xBF"), 1u);        // overlong three-byte
  EXPECT_EQ(first_bad("\xED\xA0\x80"), 1u);        // U+D800
  EXPECT_EQ(first_bad("\xF0\x8F\xBF\xBF"), 1u);    // overlong four-byte
  EXPECT_EQ(first_bad("\xF4\x90\x80\x80"), 1u);    // above U+10FFFF
  EXPECT_EQ(first_bad("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(first_bad("a\x80"), 1u);               // stray continuation
  EXPECT_EQ(first_bad("\xE2\x82"), Utf8Validator::npos);  // incomplete is not wrong yet
  EXPECT_EQ(first_bad("\xE2\x82z"), 2u);
}

TEST(Utf8, ACharacterSplitAcrossFeedsIsFine) {
  const std::string_view euro = "\xE2\x82\xAC";
  for (std::size_t split = 0; split <= euro.size(); ++split) {
    Utf8Validator v;
    EXPECT_EQ(v.feed(as_bytes(euro.substr(0, split))), Utf8Validator::npos);
    EXPECT_EQ(v.at_boundary(), split == 0 || split == 3);
    EXPECT_EQ(v.feed(as_bytes(euro.substr(split))), Utf8Validator::npos);
    EXPECT_TRUE(v.at_boundary());
  }
}

TEST(Utf8, DecodesCodePoints) {
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80", 0).code_point, U'\U0001F600');
  EXPECT_EQ(decode_utf8("\xF0\x9F\x98\x80", 0).length, 4u);
  EXPECT_EQ(decode_utf8("a\xC3\xA9", 1).code_point, U'\u00E9');
  EXPECT_EQ(decode_utf8("\xC3", 0).length, 0u);  // truncated
  EXPECT_EQ(decode_utf8("\xED\xA0\x80", 0).length, 0u);
  EXPECT_FALSE(is_xml_char(0xFFFE));
  EXPECT_FALSE(is_xml_char(0x1));
  EXPECT_TRUE(is_xml_char(0x10FFFF));
}

}  // namespace
}  // namespace confab::xmpp
