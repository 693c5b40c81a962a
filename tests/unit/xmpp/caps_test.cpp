// XEP-0115 entity capabilities: the verification string and hash with the
// XEP's own worked examples (§5.2, §5.3), §5.4's refusals, and the cache.
#include "xmpp/caps.hpp"

#include <gtest/gtest.h>

#include "xmpp/xml_stream_parser.hpp"

using namespace confab;
using namespace confab::xmpp;

namespace {

Element parse(std::string_view text) {
  auto e = parse_element(text);
  EXPECT_TRUE(e) << text;
  return e ? std::move(*e) : Element();
}

// §5.2 (Exodus): one identity, four features.
const char* simple =
    "<query xmlns='http://jabber.org/protocol/disco#info' node='http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0='>"
    "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/></query>";

// §5.3 (Psi): two identities in two languages and a software-info form.
const char* complex =
    "<query xmlns='http://jabber.org/protocol/disco#info' node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>"
    "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
    "<identity xml:lang='el' category='client' name='\xce\xa8 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
    "<field var='ip_version' type='text-multi'><value>ipv4</value><value>ipv6</value></field>"
    "<field var='os'><value>Mac</value></field>"
    "<field var='os_version'><value>10.5.1</value></field>"
    "<field var='software'><value>Psi</value></field>"
    "<field var='software_version'><value>0.11</value></field></x></query>";

}  // namespace

TEST(Caps, TheSimpleExampleOfSection5_2HashesToItsVer) {
  auto s = verification_string(parse(simple));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(*s, "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
                "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<");
  EXPECT_EQ(caps_hash("sha-1", *s), "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

TEST(Caps, TheComplexExampleOfSection5_3HashesToItsVer) {
  auto s = verification_string(parse(complex));
  ASSERT_TRUE(s) << s.error();
  EXPECT_EQ(*s, "client/pc/el/\xce\xa8 0.11<client/pc/en/Psi 0.11<http://jabber.org/protocol/caps<"
                "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
                "http://jabber.org/protocol/muc<urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<"
                "os_version<10.5.1<software<Psi<software_version<0.11<");
  EXPECT_EQ(caps_hash("sha-1", *s), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

TEST(Caps, AnswersSection5_4SaysNotToTrustAreRefused) {
  EXPECT_FALSE(verification_string(parse(
      "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='a'/><feature var='a'/></query>")));
  EXPECT_FALSE(verification_string(parse("<query xmlns='http://jabber.org/protocol/disco#info'>"
                                         "<identity category='client' type='pc'/><identity category='client' type='pc'/></query>")));
  EXPECT_FALSE(verification_string(parse(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>f</value></field></x>"
      "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE' type='hidden'><value>f</value></field></x></query>")));
  EXPECT_FALSE(verification_string(parse(
      "<query xmlns='http://jabber.org/protocol/disco#info'>"
      "<x xmlns='jabber:x:data' type='result'><field var='FORM_TYPE'><value>f</value></field></x></query>")));
  // A form without FORM_TYPE is left out, not refused.
  auto s = verification_string(parse("<query xmlns='http://jabber.org/protocol/disco#info'><feature var='a'/>"
                                     "<x xmlns='jabber:x:data' type='result'><field var='x'><value>1</value></field></x></query>"));
  ASSERT_TRUE(s);
  EXPECT_EQ(*s, "a<");
}

TEST(Caps, OnlyKnownHashesAreComputed) {
  EXPECT_TRUE(caps_hash("sha-256", "x"));
  EXPECT_FALSE(caps_hash("md5", "x"));
}

TEST(Caps, TheCacheAsksOncePerVerAndBelievesOnlyAMatchingAnswer) {
  SeededRng rng{3};
  CapsCache cache;
  const Jid a = Jid::parse("romeo@example.com/orchard").value();
  const Jid b = Jid::parse("nurse@example.com/chamber").value();
  const Caps caps{"sha-1", "http://code.google.com/p/exodus", "QgayPKawpkPSDYmwT/WM94uAlu0="};
  auto ask = cache.announce(a, caps, "example.com", rng);
  ASSERT_TRUE(ask);
  EXPECT_EQ(ask->attribute("to"), a.str());
  EXPECT_EQ(ask->child("query", "http://jabber.org/protocol/disco#info")->attribute("node"),
            "http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0=");
  EXPECT_FALSE(cache.announce(b, caps, "example.com", rng));  // asked already
  EXPECT_EQ(cache.features_of(a), nullptr);

  const std::string id(ask->attribute("id").value());
  // An answer from someone else is not ours.
  Element forged = parse("<iq xmlns='jabber:client' type='result' from='evil@example.com/x' id='" + id + "'>" +
                         std::string(simple) + "</iq>");
  EXPECT_FALSE(cache.answer(forged));
  Element answer = parse("<iq xmlns='jabber:client' type='result' from='romeo@example.com/orchard' id='" + id + "'>" +
                         std::string(simple) + "</iq>");
  auto learned = cache.answer(answer);
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->size(), 2u);  // both announced that ver
  EXPECT_TRUE(cache.wants(b, "http://jabber.org/protocol/muc"));
  EXPECT_FALSE(cache.wants(b, "http://jabber.org/protocol/tune+notify"));
  const Jid c = Jid::parse("juliet@example.com/balcony").value();
  EXPECT_FALSE(cache.announce(c, caps, "example.com", rng));  // known: nobody is asked
  EXPECT_TRUE(cache.wants(c, "http://jabber.org/protocol/muc"));
}

TEST(Caps, AnAnswerThatDoesNotHashToTheVerIsNotCached) {
  SeededRng rng{3};
  CapsCache cache;
  const Jid a = Jid::parse("romeo@example.com/orchard").value();
  const Caps caps{"sha-1", "n", "QgayPKawpkPSDYmwT/WM94uAlu0="};
  auto ask = cache.announce(a, caps, "example.com", rng);
  ASSERT_TRUE(ask);
  auto learned = cache.answer(parse("<iq xmlns='jabber:client' type='result' from='romeo@example.com/orchard' id='" +
                                    std::string(ask->attribute("id").value()) +
                                    "'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='x'/></query></iq>"));
  ASSERT_TRUE(learned);
  EXPECT_TRUE(learned->empty());
  EXPECT_EQ(cache.known(), 0u);
  // The next to announce it is asked again.
  EXPECT_TRUE(cache.announce(Jid::parse("nurse@example.com/c").value(), caps, "example.com", rng));
}

TEST(Caps, TheCacheIsBounded) {
  SeededRng rng{3};
  CapsCache cache({.max_entries = 2, .max_pending = 8});
  const char* features[] = {"a", "b", "c"};
  for (const char* f : features) {
    const std::string q = "<query xmlns='http://jabber.org/protocol/disco#info'><feature var='" + std::string(f) + "'/></query>";
    const Caps caps{"sha-1", "n", caps_hash("sha-1", std::string(f) + "<").value()};
    const Jid who = Jid::parse(std::string(f) + "@example.com/r").value();
    auto ask = cache.announce(who, caps, "example.com", rng);
    ASSERT_TRUE(ask);
    ASSERT_TRUE(cache.answer(parse("<iq xmlns='jabber:client' type='result' from='" + who.str() + "' id='" +
                                   std::string(ask->attribute("id").value()) + "'>" + q + "</iq>")));
  }
  EXPECT_EQ(cache.known(), 2u);
  EXPECT_FALSE(cache.wants(Jid::parse("a@example.com/r").value(), "a"));  // the oldest went
  EXPECT_TRUE(cache.wants(Jid::parse("c@example.com/r").value(), "c"));
}

TEST(Caps, TheServersOwnCapsHashItsDiscoInfo) {
  Element c = caps_for(parse(simple), "https://confab.example/caps");
  EXPECT_EQ(c.attribute("hash"), "sha-1");
  EXPECT_EQ(c.attribute("ver"), "QgayPKawpkPSDYmwT/WM94uAlu0=");
  EXPECT_EQ(c.attribute("node"), "https://confab.example/caps");
}
