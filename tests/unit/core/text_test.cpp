#include "core/text.hpp"

#include <gtest/gtest.h>

using namespace confab;

TEST(Printable, KeepsPrintableAsciiAndEscapesTheRest) {
  EXPECT_EQ(printable("alice"), "alice");
  EXPECT_EQ(printable("a\r\nFAKE LOG LINE"), "a\\x0d\\x0aFAKE LOG LINE");
  EXPECT_EQ(printable("say \"hi\"\\"), "say \\x22hi\\x22\\x5c");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\\xc3\\xa9");
  EXPECT_EQ(printable(std::string_view("\0x", 2)), "\\x00x");
}

TEST(Printable, CutsLongInputAndSaysSo) {
  EXPECT_EQ(printable(std::string(200, 'a'), 10), "aaaaaaaaaa...");
  EXPECT_EQ(printable("abc", 3), "abc");
}

TEST(DecodeErrorLine, LeavesOutEmptyParts) {
  EXPECT_EQ(decode_error_line("SIP", 47, "Max-Forwards", "bad number", ""),
            "SIP decode error at byte 47 (Max-Forwards): bad number");
  EXPECT_EQ(decode_error_line("STUN", 0, "", "short", "2 bytes"), "STUN decode error at byte 0: short: 2 bytes");
}

TEST(SplitList, SplitsOnTheSeparatorAndKeepsEmptyItems) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_list("203.0.113.10:5678,203.0.113.11:5678"), (V{"203.0.113.10:5678", "203.0.113.11:5678"}));
  EXPECT_EQ(split_list("one"), V{"one"});
  EXPECT_EQ(split_list("a,,b"), (V{"a", "", "b"}));
  EXPECT_EQ(split_list(""), V{""});
}
