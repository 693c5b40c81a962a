// Every limit: exactly at it passes, one over fails with policy-violation,
// and oversized input is refused while it arrives, not after it has all
// been buffered.
#include <gtest/gtest.h>

#include "xmpp/xml_stream_parser.hpp"
#include "xmpp_test_util.hpp"

namespace confab::xmpp {
namespace {

using C = StreamErrorCondition;
using test::drain;
using test::header;
using test::parse;
using test::with;

// The condition, or nullopt if the input parses without error.
std::optional<C> outcome(std::string_view bytes, const Limits& limits, std::size_t chunk = 0) {
  auto events = parse(bytes, chunk, with(limits));
  if (const StreamError* e = test::error(events)) return e->condition;
  return std::nullopt;
}

TEST(XmlStreamLimits, DefaultsAreSane) {
  Limits l;
  EXPECT_EQ(l.max_stanza_size, 256u * 1024);
  EXPECT_EQ(l.max_depth, 32u);
  EXPECT_EQ(l.max_attributes, 64u);
  EXPECT_LE(l.max_token_size, l.max_stanza_size);
  EXPECT_LE(l.max_header_size, l.max_token_size);
}

TEST(XmlStreamLimits, StanzaSizeIsCountedFromStartTagToEndTag) {
  Limits limits;
  limits.max_stanza_size = 100;
  const std::string open = "<message>", close = "</message>";
  const std::string fits = open + std::string(100 - open.size() - close.size(), 'x') + close;
  ASSERT_EQ(fits.size(), 100u);
  for (std::size_t chunk : {0u, 1u, 7u, 64u}) {
    EXPECT_EQ(outcome(header + fits + fits + "  " + fits, limits, chunk), std::nullopt) << chunk;
    EXPECT_EQ(outcome(header + fits + "<message>x" + fits.substr(open.size()), limits, chunk), C::policy_violation)
        << chunk;
  }
}

TEST(XmlStreamLimits, AnOversizedStanzaIsRefusedBeforeItEnds) {
  // A stanza that never ends, fed 4 KiB at a time: the error comes as soon
  // as the limit is passed, with the offset of the stanza's start tag.
  Limits limits;
  limits.max_stanza_size = 64 * 1024;
  StreamParser p(with(limits));
  p.feed(header + "<presence/><message><body>");
  std::size_t fed = 0;
  std::optional<StreamError> error;
  const std::string chunk(4096, 'a');
  while (!error && fed < 1024 * 1024) {
    p.feed(chunk);
    fed += chunk.size();
    for (auto& e : drain(p))
      if (auto* err = std::get_if<StreamError>(&e)) error = *err;
  }
  ASSERT_TRUE(error);
  EXPECT_EQ(error->condition, C::policy_violation);
  EXPECT_EQ(error->offset, header.size() + std::string("<presence/>").size());
  EXPECT_EQ(error->detail, "<message/> exceeds 65536 bytes");
  EXPECT_LE(fed, limits.max_stanza_size + chunk.size());
}

TEST(XmlStreamLimits, ManySmallStanzasInOneReadAreNotOneBigOne) {
  Limits limits;
  limits.max_stanza_size = 64;
  std::string many = header;
  for (int i = 0; i < 1000; ++i) many += "<presence/>\n";
  auto events = parse(many, 0, with(limits));
  EXPECT_EQ(test::stanzas(events).size(), 1000u);
  EXPECT_EQ(test::error(events), nullptr);
}

TEST(XmlStreamLimits, NestingDepthCountsTheStanzaAsOne) {
  Limits limits;
  limits.max_depth = 4;
  EXPECT_EQ(outcome(header + "<a><b><c><d/></c></b></a>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<a><b><c><d><e/></d></c></b></a>", limits), C::policy_violation);
  // Default: 32 levels pass, 33 do not, and a million are refused at the 33rd.
  auto nest = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += "<x>";
    for (int i = 0; i < n; ++i) s += "</x>";
    return s;
  };
  EXPECT_EQ(outcome(header + nest(32), {}), std::nullopt);
  EXPECT_EQ(outcome(header + nest(33), {}), C::policy_violation);
  std::string deep = header;
  for (int i = 0; i < 60000; ++i) deep += "<x>";
  EXPECT_EQ(outcome(deep, {}), C::policy_violation);
}

TEST(XmlStreamLimits, AttributesPerElementIncludeNamespaceDeclarations) {
  Limits limits;
  limits.max_attributes = 3;
  EXPECT_EQ(outcome(header + "<iq a='1' b='2' c='3'/>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<iq a='1' b='2' c='3' d='4'/>", limits), C::policy_violation);
  EXPECT_EQ(outcome(header + "<iq xmlns:p='urn:p' xmlns:q='urn:q' a='1' b='2'/>", limits), C::policy_violation);
  std::string many = header + "<iq";
  for (int i = 0; i < 100; ++i) many += " xmlns:p" + std::to_string(i) + "='urn:" + std::to_string(i) + "'";
  EXPECT_EQ(outcome(many + "/>", limits), C::policy_violation);
  // The stream header is held to it too.
  EXPECT_EQ(outcome("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'"
                    " a='1' b='2'>",
                    limits),
            C::policy_violation);
}

TEST(XmlStreamLimits, AttributeValueSizeIsCountedDecoded) {
  Limits limits;
  limits.max_attribute_size = 8;
  EXPECT_EQ(outcome(header + "<iq id='12345678'/>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<iq id='&amp;&amp;&amp;&amp;&amp;&amp;&amp;&amp;'/>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<iq id='123456789'/>", limits), C::policy_violation);
}

TEST(XmlStreamLimits, TextRunSizeIsCountedDecodedAcrossPieces) {
  Limits limits;
  limits.max_text_size = 10;
  EXPECT_EQ(outcome(header + "<body>0123456789</body>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<body>01234<![CDATA[56789]]></body>", limits, 1), std::nullopt);
  EXPECT_EQ(outcome(header + "<body>01234<![CDATA[56789]]>!</body>", limits, 1), C::policy_violation);
  EXPECT_EQ(outcome(header + "<body>0123456789<b/>0123456789</body>", limits), std::nullopt);  // two runs
}

TEST(XmlStreamLimits, ElementsPerStanza) {
  Limits limits;
  limits.max_elements = 3;
  EXPECT_EQ(outcome(header + "<a><b/><c/></a><a><b/><c/></a>", limits), std::nullopt);
  EXPECT_EQ(outcome(header + "<a><b/><c/><d/></a>", limits), C::policy_violation);
}

TEST(XmlStreamLimits, HeaderMustArriveWithinItsLimit) {
  Limits limits;
  limits.max_header_size = test::client_header.size();
  EXPECT_EQ(outcome(test::client_header, limits), std::nullopt);
  EXPECT_EQ(outcome(" " + test::client_header, limits), C::not_well_formed);  // the declaration must come first
  EXPECT_EQ(outcome(std::string(limits.max_header_size - header.size(), '\n') + header, limits), std::nullopt);
  EXPECT_EQ(outcome(std::string(limits.max_header_size - header.size() + 1, '\n') + header, limits),
            C::policy_violation);
  auto events = parse("<stream:stream xmlns='jabber:client' to='" + std::string(10000, 'a'), 100, with(limits));
  ASSERT_NE(test::error(events), nullptr);
  EXPECT_EQ(test::error(events)->detail, "no stream header within " + std::to_string(limits.max_header_size) + " bytes");
}

TEST(XmlStreamLimits, EveryRestartStartsTheCountsAgain) {
  Limits limits;
  limits.max_header_size = test::client_header.size();
  StreamParser p(with(limits));
  for (int i = 0; i < 5; ++i) {
    p.feed(test::client_header + "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
    auto events = drain(p);
    ASSERT_EQ(events.size(), 2u) << i;
    EXPECT_TRUE(std::holds_alternative<Element>(events[1]));
    EXPECT_TRUE(p.reset().empty());
  }
}

TEST(XmlStreamLimits, ALongTagDribbledAByteAtATimeStillParses) {
  // Held back until it doubles or a '>' arrives, so this costs linear time.
  const std::string value(7000, 'v');
  const std::string tag = "<message a='" + value + "' b='" + value + "' c='" + value + "'><body>x</body></message>";
  auto events = parse(header + tag + "<presence/>", 1);
  auto s = test::stanzas(events);
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].attribute("c"), value);
}

TEST(XmlStreamLimits, TokenSizeBoundsOneUnfinishedTag) {
  Limits limits;
  limits.max_token_size = 4096;
  limits.max_attribute_size = 1 << 20;
  // A tag still arriving (held back, '>'s in quotes and all) cannot grow
  // past the limit.
  auto events = parse(header + "<message id='" + std::string(100000, '>'), 1, with(limits));
  ASSERT_NE(test::error(events), nullptr);
  EXPECT_EQ(test::error(events)->condition, C::policy_violation);
  EXPECT_EQ(test::error(events)->detail, "a tag longer than 4096 bytes");
  EXPECT_EQ(test::error(events)->offset, header.size());
  // Long text is not a token: it is reported as it arrives.
  EXPECT_EQ(outcome(header + "<body>" + std::string(100000, 't') + "</body>", limits, 1000), std::nullopt);
}

}  // namespace
}  // namespace confab::xmpp
