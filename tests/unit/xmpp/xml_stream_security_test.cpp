// What RFC 6120 §11.1 forbids on a stream (comments, processing
// instructions, DTDs, entity references beyond the predefined five) and
// what §11.6 requires of its encoding: each is refused with the stream
// error the RFC names, before it costs anything.
#include <gtest/gtest.h>

#include "xmpp/xml_stream_parser.hpp"
#include "xmpp_test_util.hpp"

namespace confab::xmpp {
namespace {

using C = StreamErrorCondition;
using test::condition;
using test::header;
using test::parse;

TEST(XmlStreamSecurity, DoctypeIsRestrictedXml) {
  EXPECT_EQ(condition("<?xml version='1.0'?><!DOCTYPE stream:stream><stream:stream/>"), C::restricted_xml);
  EXPECT_EQ(condition("<!DOCTYPE x SYSTEM 'file:///etc/passwd'><x/>"), C::restricted_xml);
}

TEST(XmlStreamSecurity, BillionLaughsStopsAtTheDoctypeWithoutExpandingAnything) {
  std::string bomb = "<?xml version='1.0'?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    bomb += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) bomb += "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
    bomb += "\">\n";
  }
  bomb += "]>\n<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>"
          "<message><body>&lol9;</body></message>";
  auto events = parse(bomb);
  ASSERT_EQ(events.size(), 1u);
  const StreamError& e = std::get<StreamError>(events[0]);
  EXPECT_EQ(e.condition, C::restricted_xml);
  EXPECT_EQ(e.detail, "DOCTYPE declaration (RFC 6120 §11.1)");
  EXPECT_LT(e.offset, 40u);  // refused at the DOCTYPE's name, before any entity is declared
}

TEST(XmlStreamSecurity, EntityReferencesOtherThanThePredefinedFiveAreRestricted) {
  EXPECT_EQ(condition(header + "<message><body>&nbsp;</body></message>"), C::restricted_xml);
  EXPECT_EQ(condition(header + "<message to='&x;'/>"), C::restricted_xml);
  auto events = parse(header + "<message a='&lt;&gt;&amp;&apos;&quot;'>&lt;&gt;&amp;&apos;&quot;&#x10FFFF;&#9;</message>");
  ASSERT_EQ(test::stanzas(events).size(), 1u);
  EXPECT_EQ(test::stanzas(events)[0].attribute("a"), "<>&'\"");
  EXPECT_EQ(test::stanzas(events)[0].text(), "<>&'\"\xF4\x8F\xBF\xBF\t");
}

TEST(XmlStreamSecurity, ProcessingInstructionsAreRestrictedExceptTheXmlDeclaration) {
  EXPECT_EQ(condition("<?xml-stylesheet href='x.xsl'?>" + header), C::restricted_xml);
  EXPECT_EQ(condition(header + "<?php system('id'); ?>"), C::restricted_xml);
  EXPECT_EQ(condition(header + "<message><?pi?></message>"), C::restricted_xml);
  EXPECT_EQ(test::error(parse("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>" + header)), nullptr);
  // The declaration anywhere but at the very start is not well-formed.
  EXPECT_EQ(condition(" <?xml version='1.0'?>" + header), C::not_well_formed);
}

TEST(XmlStreamSecurity, CommentsAreRestricted) {
  EXPECT_EQ(condition("<!-- hi -->" + header), C::restricted_xml);
  EXPECT_EQ(condition(header + "<!-- keepalive? -->"), C::restricted_xml);
  EXPECT_EQ(condition(header + "<message><!----></message>"), C::restricted_xml);
}

TEST(XmlStreamSecurity, BytesThatAreNotUtf8AreUnsupportedEncodingAtTheirOffset) {
  const std::string before = header + "<message><body>caf";
  for (std::string bad : {"\xE9 au lait", "\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xFF", "\x80"}) {
    auto events = parse(before + bad + "</body></message>", 1);
    const StreamError* e = test::error(events);
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->condition, C::unsupported_encoding);
    EXPECT_GE(e->offset, before.size());
    EXPECT_LE(e->offset, before.size() + 1);
    EXPECT_EQ(e->line, 1u);
    EXPECT_EQ(e->column, e->offset + 1);
  }
}

TEST(XmlStreamSecurity, StanzasBeforeAnEncodingErrorAreStillDelivered) {
  auto events = parse(header + "<presence/>\n<message>\xFF</message>");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Element>(events[1]));
  EXPECT_EQ(std::get<StreamError>(events[2]).line, 2u);
  EXPECT_EQ(std::get<StreamError>(events[2]).column, 10u);
}

TEST(XmlStreamSecurity, OtherEncodingsAreUnsupported) {
  EXPECT_EQ(condition("<?xml version='1.0' encoding='ISO-8859-1'?>" + header), C::unsupported_encoding);
  EXPECT_EQ(condition("<?xml version='1.0' encoding='UTF-16'?>" + header), C::unsupported_encoding);
  EXPECT_EQ(condition(std::string("\xFE\xFF\x00<", 4)), C::unsupported_encoding);  // UTF-16 byte order marks
  EXPECT_EQ(condition(std::string("\xFF\xFE<\x00", 4)), C::unsupported_encoding);
  EXPECT_EQ(test::error(parse("<?xml version='1.0' encoding='utf-8'?>" + header)), nullptr);
  EXPECT_EQ(test::error(parse("\xEF\xBB\xBF" + header)), nullptr);  // a UTF-8 byte order mark is harmless
}

TEST(XmlStreamSecurity, CharactersXmlForbidsAreNotWellFormed) {
  EXPECT_EQ(condition(header + "<message>\x01</message>"), C::not_well_formed);
  EXPECT_EQ(condition(header + std::string("<message>\0</message>", 20)), C::not_well_formed);
  EXPECT_EQ(condition(header + "<message>&#0;</message>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<message>&#xD800;</message>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<message>\xEF\xBF\xBF</message>"), C::not_well_formed);  // U+FFFF
}

TEST(XmlStreamSecurity, OnlyXml10IsSpoken) {
  EXPECT_EQ(condition("<?xml version='1.1'?>" + header), C::bad_format);
}

TEST(XmlStreamSecurity, ReservedNamespacePrefixesCannotBeRebound) {
  EXPECT_EQ(condition(header + "<a xmlns:xml='urn:x'/>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<a xmlns:xmlns='urn:x'/>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<a xmlns:p='http://www.w3.org/XML/1998/namespace'/>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<a xmlns:p='urn:a&#10;b'/>"), C::not_well_formed);  // expat's name separator
}

}  // namespace
}  // namespace confab::xmpp
