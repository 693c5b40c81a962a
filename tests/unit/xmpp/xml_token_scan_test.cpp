// The scan that decides whether bytes still arriving could finish the
// token expat is in the middle of: it may say yes too often, never too
// rarely.
#include <gtest/gtest.h>

#include "xmpp/xml_token_scan.hpp"

namespace confab::xmpp {
namespace {

// Whether `token` (scanned from its start, in pieces of `piece` bytes)
// could end within itself.
bool can_end(std::string_view token, std::size_t piece = 1) {
  TokenEndScan scan;
  scan.start(token.substr(0, 4));
  for (std::size_t i = 0; i < token.size(); i += piece) scan.scan(token.substr(i, piece));
  return scan.can_end();
}

TEST(TokenEndScan, ATagEndsAtAGreaterThanOutsideQuotes) {
  EXPECT_FALSE(can_end("<message to='a>b' id=\"c>'d\""));
  EXPECT_TRUE(can_end("<message to='a>b' id=\"c>'d\">"));
  EXPECT_TRUE(can_end("<message to='a>b'/>", 3));
  EXPECT_TRUE(can_end("</message>"));
  EXPECT_FALSE(can_end("</message"));
}

TEST(TokenEndScan, CommentsAndInstructionsEndAtTheirOwnClose) {
  EXPECT_FALSE(can_end("<!-- a > b -> c ->"));
  EXPECT_TRUE(can_end("<!-- a > b -->"));
  EXPECT_FALSE(can_end("<?pi a > b"));
  EXPECT_TRUE(can_end("<?pi a > b ?>"));
}

TEST(TokenEndScan, ReferencesEndAtASemicolonAndAnythingElseAtAnyGreaterThan) {
  EXPECT_FALSE(can_end("&aaaaaaaa"));
  EXPECT_TRUE(can_end("&aaaaaaaa;"));
  EXPECT_TRUE(can_end("<![CDATA[ x >"));
  EXPECT_TRUE(can_end("   \n >"));
  EXPECT_FALSE(can_end("   \n "));
}

}  // namespace
}  // namespace confab::xmpp
