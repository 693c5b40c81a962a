// SASLprep (RFC 4013 §3's examples) and the keys of RFC 8489 §9.
#include <gtest/gtest.h>

#include "stun/credentials.hpp"
#include "stun_test_util.hpp"

namespace confab::stun {
namespace {

using test::from_hex;
using test::to_bytes;

std::string prepared(std::string_view in) {
  auto r = saslprep(in);
  EXPECT_TRUE(r) << r.error();
  return r ? *r : std::string();
}

std::string failure(std::string_view in) {
  auto r = saslprep(in);
  EXPECT_FALSE(r) << "prepared to " << *r;
  return r ? std::string() : r.error();
}

TEST(Saslprep, SoftHyphenIsMappedToNothing) { EXPECT_EQ(prepared("I\xC2\xADX"), "IX"); }

TEST(Saslprep, PlainAsciiIsUnchanged) {
  EXPECT_EQ(prepared("user"), "user");
  EXPECT_EQ(prepared("USER"), "USER");  // case is preserved
}

TEST(Saslprep, FeminineOrdinalIsNormalizedToA) { EXPECT_EQ(prepared("\xC2\xAA"), "a"); }

TEST(Saslprep, RomanNumeralNineIsNormalizedToIX) { EXPECT_EQ(prepared("\xE2\x85\xA8"), "IX"); }

TEST(Saslprep, NonAsciiSpaceIsMappedToSpace) { EXPECT_EQ(prepared("a\xC2\xA0" "b"), "a b"); }

TEST(Saslprep, ControlCharacterIsProhibitedAndNamed) {
  EXPECT_EQ(failure("\x07"), "prohibited character U+0007");
  EXPECT_EQ(failure("ab\x07"), "prohibited character U+0007");
}

TEST(Saslprep, MixedDirectionViolatesTheBidiRule) {
  EXPECT_NE(failure("\xD8\xA7" "1").find("bidirectional"), std::string::npos);
}

TEST(Saslprep, InvalidUtf8AndNulAreRejected) {
  EXPECT_EQ(failure("ab\xFF"), "invalid UTF-8 at byte 2");
  EXPECT_EQ(failure("\xC0\x80"), "invalid UTF-8 at byte 0");  // overlong NUL
  EXPECT_EQ(failure(std::string_view("a\0b", 3)), "prohibited character U+0000");
}

TEST(Saslprep, EmptyStringStaysEmpty) { EXPECT_EQ(prepared(""), ""); }

TEST(ShortTermKey, IsThePreparedPassword) {
  EXPECT_EQ(short_term_key("VOkJxbRl1RmTxUk/WvJxBt").value(), to_bytes("VOkJxbRl1RmTxUk/WvJxBt"));
  EXPECT_EQ(short_term_key("I\xC2\xADX").value(), to_bytes("IX"));
  EXPECT_FALSE(short_term_key("\x07"));
}

TEST(LongTermKey, IsMd5OfUsernameRealmAndPassword) {
  EXPECT_EQ(long_term_key("user", "realm", "pass").value(), from_hex("8493fbc53ba582fb4c044c456bdc40eb"));
}

TEST(LongTermKey, Sha256AlgorithmGivesA32ByteKey) {
  EXPECT_EQ(long_term_key("user", "realm", "pass", PasswordAlgorithm::sha256).value(),
            from_hex("07e934117abd40836e7c6329b54731b2b2d2a5f9a71f544922d75e0730d8251b"));
}

TEST(LongTermKey, ProhibitedPasswordIsAnError) {
  auto k = long_term_key("user", "realm", "pa\x07ss");
  ASSERT_FALSE(k);
  EXPECT_EQ(k.error(), "prohibited character U+0007");
}

TEST(Userhash, MatchesRfc8489AppendixB1) {
  EXPECT_EQ(userhash("\xE3\x83\x9E\xE3\x83\x88\xE3\x83\xAA\xE3\x83\x83\xE3\x82\xAF\xE3\x82\xB9", "example.org"),
            from_hex("4a3cf38fef6992bda952c6780417da0f24819415569e60b205c46e41407f1704"));
}

}  // namespace
}  // namespace confab::stun
