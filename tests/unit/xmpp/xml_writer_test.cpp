// Writing elements out: escaping, namespace declarations only where the
// namespace changes, prefixes, and round trips through the parser.
#include <gtest/gtest.h>

#include "xmpp/namespaces.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_builder.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {
namespace {

Scope client_stream() {
  StreamHeader h;
  h.content_namespace = ns::client;
  return scope_of(h);
}

Element parsed(std::string_view xml) {
  auto e = parse_element(xml);
  EXPECT_TRUE(e) << e.error().message();
  return e ? *e : Element();
}

TEST(XmlWriter, EscapesMarkupInTextAndAttributes) {
  Element e = Builder("message", "jabber:client")
                  .attr("to", "a'b\"c<d>e&f")
                  .tag("body")
                  .text("1 < 2 && 3 > 2 ]]> 'q' \"qq\"")
                  .build();
  EXPECT_EQ(serialize(e),
            "<message xmlns='jabber:client' to='a&apos;b&quot;c&lt;d&gt;e&amp;f'>"
            "<body>1 &lt; 2 &amp;&amp; 3 &gt; 2 ]]&gt; 'q' \"qq\"</body></message>");
}

TEST(XmlWriter, WhitespaceSurvivesAttributeNormalisationAndLineEndHandling) {
  Element e("x", "");
  e.set_attribute("a", "tab\tnl\ncr\r");
  e.add_text("cr\r\nlf\n");
  const std::string xml = serialize(e);
  EXPECT_EQ(xml, "<x a='tab&#9;nl&#10;cr&#13;'>cr&#13;\nlf\n</x>");
  EXPECT_EQ(parsed(xml), e);
}

TEST(XmlWriter, OutputIsWellFormedWhateverTheStringsHold) {
  Element e("x", "");
  e.set_attribute("a", std::string("nul\0bell\x07", 9));
  e.add_text("bad \xFF utf8 \xC0\xAF, surrogate \xED\xA0\x80, U+FFFE \xEF\xBF\xBE, fine \xE2\x82\xAC");
  const std::string xml = serialize(e);
  EXPECT_EQ(xml, "<x a='nul\xEF\xBF\xBD" "bell\xEF\xBF\xBD'>bad \xEF\xBF\xBD utf8 \xEF\xBF\xBD\xEF\xBF\xBD, surrogate "
                 "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD, U+FFFE \xEF\xBF\xBD, fine \xE2\x82\xAC</x>");
  EXPECT_TRUE(parse_element(xml));
}

TEST(XmlWriter, EmptyElementsCloseThemselves) {
  Element e("presence", "jabber:client");
  e.add_text("");  // an empty text node is no content
  EXPECT_EQ(serialize(e, client_stream()), "<presence/>");
}

TEST(XmlWriter, NamespacesAreDeclaredOnlyWhereTheyChange) {
  Element iq = Builder("iq", "jabber:client")
                   .attr("type", "result")
                   .attr("id", "yhc13a95")
                   .tag("bind", "urn:ietf:params:xml:ns:xmpp-bind")
                   .tag("jid")
                   .text("juliet@im.example.com/balcony")
                   .build();
  EXPECT_EQ(serialize(iq, client_stream()),
            "<iq type='result' id='yhc13a95'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
            "<jid>juliet@im.example.com/balcony</jid></bind></iq>");
  // Standalone, the stanza declares its own namespace.
  EXPECT_EQ(serialize(iq).substr(0, 30), "<iq xmlns='jabber:client' type");
  // A child in no namespace under a default one must undeclare it.
  Element x("x", "urn:x");
  x.add_child(Element("y", ""));
  EXPECT_EQ(serialize(x), "<x xmlns='urn:x'><y xmlns=''/></x>");
}

TEST(XmlWriter, StreamElementsUseTheStreamPrefixInForce) {
  Element features("features", std::string(ns::streams));
  features.prefix = "stream";
  features.add_child(Element("bind", std::string(ns::bind)));
  EXPECT_EQ(serialize(features, client_stream()),
            "<stream:features><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
  // Without the stream around it the prefix is declared where it is used.
  EXPECT_EQ(serialize(features),
            "<stream:features xmlns:stream='http://etherx.jabber.org/streams'>"
            "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></stream:features>");
  // An element in the stream namespace without a prefix hint takes the default.
  EXPECT_EQ(serialize(Element("error", std::string(ns::streams)), client_stream()),
            "<error xmlns='http://etherx.jabber.org/streams'/>");
}

TEST(XmlWriter, QualifiedAttributesGetAPrefixBoundOnTheTag) {
  Element e("message", "jabber:client");
  e.set_attribute("lang", std::string(ns::xml), "en");  // xml: needs no declaration
  e.set_attribute("ver", "urn:v", "7");                 // no hint: a fresh prefix
  Attribute hinted{"item", "urn:r", "x", "r"};
  e.attributes.push_back(hinted);
  EXPECT_EQ(serialize(e, client_stream()), "<message xmlns:ns0='urn:v' xmlns:r='urn:r' xml:lang='en' ns0:ver='7' r:item='x'/>");
  // Two hints for one prefix: the second namespace gets another.
  Element c("c", "urn:c");
  c.prefix = "p";
  c.attributes.push_back(Attribute{"a", "urn:a", "1", "p"});
  EXPECT_EQ(serialize(c), "<p:c xmlns:p='urn:c' xmlns:ns0='urn:a' ns0:a='1'/>");
  EXPECT_EQ(parsed(serialize(c)).attribute("a", "urn:a"), "1");
}

TEST(XmlWriter, XmlnsAttributesAreNotWrittenTwice) {
  Element e("query", "jabber:iq:roster");
  e.set_attribute("xmlns", "jabber:iq:version");  // a Prosody habit; the namespace is e.ns
  e.set_attribute("xmlns:x", "urn:x");
  EXPECT_EQ(serialize(e), "<query xmlns='jabber:iq:roster'/>");
}

TEST(XmlWriter, CanonicalXmlRoundTripsByteForByte) {
  for (std::string xml : {
           "<message xmlns='jabber:client' to='romeo@example.net' type='chat' xml:lang='en'>"
           "<body>Wherefore art thou, Romeo?</body>"
           "<active xmlns='http://jabber.org/protocol/chatstates'/></message>",
           "<db:result xmlns:db='jabber:server:dialback' from='a' to='b'>key</db:result>",
           "<a xmlns='urn:a'>t1<b xmlns='urn:b'>t2<c/></b>t3<q:d xmlns:q='urn:q' q:e='&lt;&amp;&gt;'/></a>",
       }) {
    EXPECT_EQ(serialize(parsed(xml)), xml);
  }
}

TEST(XmlWriter, AnyParsedElementIsAFixedPointAfterOneWrite) {
  // Non-canonical input (double quotes, redundant declarations, entities
  // where none are needed) normalises once and then stays put.
  for (std::string xml : {
           "<message xmlns=\"jabber:client\" to=\"a\"><body xmlns=\"jabber:client\">&#65;&#x42;C</body ></message >",
           "<x:a xmlns:x='urn:x' xmlns:y='urn:y'><x:b y:c='1' xmlns:x='urn:x2'/><![CDATA[<>]]></x:a>",
           "<a xmlns='urn:a'><b xmlns=''><c xmlns='urn:a'/></b></a>",
       }) {
    const std::string once = serialize(parsed(xml));
    EXPECT_EQ(serialize(parsed(once)), once) << xml;
    EXPECT_EQ(parsed(once), parsed(serialize(parsed(once))));
  }
}

}  // namespace
}  // namespace confab::xmpp
