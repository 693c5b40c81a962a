// Element lookups and edits, and the builder that makes stanzas in code.
#include <gtest/gtest.h>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_builder.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {
namespace {

Element roster_push() {
  auto e = parse_element(
      "<iq xmlns='jabber:client' id='a78b4q6ha463' to='juliet@example.com/chamber' type='set'>"
      "<query xmlns='jabber:iq:roster' ver='ver34'>"
      "<item jid='nurse@example.com' name='Nurse'><group>Servants</group></item>"
      "</query></iq>");
  EXPECT_TRUE(e);
  return *e;
}

TEST(XmlElement, ChildLookupDefaultsToTheParentsNamespace) {
  Element iq = roster_push();
  EXPECT_EQ(iq.child("query"), nullptr);  // not in jabber:client
  const Element* query = iq.child("query", "jabber:iq:roster");
  ASSERT_NE(query, nullptr);
  const Element* item = query->child("item");  // in jabber:iq:roster, like its parent
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->child_text("group"), "Servants");
  EXPECT_EQ(item->child_text("missing"), std::nullopt);
  EXPECT_EQ(iq.elements().size(), 1u);
}

TEST(XmlElement, AttributesAreLookedUpByNameAndNamespace) {
  Element iq = roster_push();
  EXPECT_EQ(iq.attribute("type"), "set");
  EXPECT_EQ(iq.attribute("from"), std::nullopt);
  iq.set_attribute("type", "result");
  iq.set_attribute("lang", std::string(ns::xml), "en");
  EXPECT_EQ(iq.attribute("type"), "result");
  EXPECT_EQ(iq.attribute("lang", ns::xml), "en");
  EXPECT_EQ(iq.attribute("lang"), std::nullopt);
  EXPECT_EQ(iq.attributes.size(), 4u);
  EXPECT_TRUE(iq.remove_attribute("to"));
  EXPECT_FALSE(iq.remove_attribute("to"));
  EXPECT_EQ(iq.attribute("to"), std::nullopt);
}

TEST(XmlElement, TextIsTheDirectTextOnly) {
  auto body = parse_element("<body xmlns='jabber:client'>Hello <b>bold</b> world</body>");
  ASSERT_TRUE(body);
  EXPECT_EQ(body->text(), "Hello  world");
  Element e("x", "");
  e.add_text("a").add_text("b").add_child(Element("y", ""));
  e.add_text("c");
  ASSERT_EQ(e.children.size(), 3u);  // adjacent text joined
  EXPECT_EQ(e.text(), "abc");
}

TEST(XmlElement, EditsThroughChildPointers) {
  Element iq = roster_push();
  Element* item = iq.child("query", "jabber:iq:roster")->child("item");
  item->set_attribute("subscription", "both");
  EXPECT_EQ(iq.child("query", "jabber:iq:roster")->child("item")->attribute("subscription"), "both");
}

TEST(XmlBuilder, BuildsTheSameTreeAsParsingTheXml) {
  Element built = Builder("iq", "jabber:client")
                      .attr("id", "a78b4q6ha463")
                      .attr("to", "juliet@example.com/chamber")
                      .attr("type", "set")
                      .tag("query", "jabber:iq:roster")
                      .attr("ver", "ver34")
                      .tag("item")
                      .attr("jid", "nurse@example.com")
                      .attr("name", "Nurse")
                      .tag("group")
                      .text("Servants")
                      .build();
  EXPECT_EQ(built, roster_push());
}

TEST(XmlBuilder, UpReturnsToTheParentAndChildAppendsReadyElements) {
  Element m = Builder("message", std::string(ns::client))
                  .attr("type", "chat")
                  .tag("body").text("Art thou not Romeo?").up()
                  .tag("active", "http://jabber.org/protocol/chatstates").up()
                  .child(Element("x", "jabber:x:oob"))
                  .up()  // at the root already: stays
                  .tag("thread").text("e0ffe42b").root()
                  .attr("id", "ktx72v49")
                  .build();
  EXPECT_EQ(serialize(m),
            "<message xmlns='jabber:client' type='chat' id='ktx72v49'><body>Art thou not Romeo?</body>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/><x xmlns='jabber:x:oob'/>"
            "<thread>e0ffe42b</thread></message>");
}

}  // namespace
}  // namespace confab::xmpp
