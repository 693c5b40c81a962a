// XEP-0054: an account sets its vCard; it reads it back; others read it;
// nobody else may change it.
#include "xmpp/vcard.hpp"

#include <gtest/gtest.h>

#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

using namespace confab;
using namespace confab::xmpp;

namespace {

struct Server {
  SeededRng rng{1};
  MemoryXmppStore store;
  Router router{RouterConfig{.domains = {"example.org"}}, store, rng};

  Server() {
    store.add_account(*Jid::parse("alice@example.org"));
    store.add_account(*Jid::parse("bob@example.org"));
    register_vcards(router, store, 2048);
    (void)router.bind(1, *Jid::parse("alice@example.org"), "phone");
    (void)router.bind(2, *Jid::parse("bob@example.org"), "desk");
  }

  Element iq(std::uint64_t session, const std::string& from, const std::string& attrs, const std::string& payload) {
    auto e = parse_element("<iq xmlns='jabber:client' id='v1' from='" + from + "' " + attrs + ">" + payload + "</iq>");
    EXPECT_TRUE(e);
    router.handle_stanza(Instant{}, session, *e);
    auto d = router.poll_delivery();
    EXPECT_TRUE(d);
    return d ? d->stanza : Element();
  }
};

const std::string card = "<vCard xmlns='vcard-temp'><FN>Alice Liddell</FN><NICKNAME>alice</NICKNAME></vCard>";

}  // namespace

TEST(VCard, AnAccountWithoutOneGetsAnEmptyVCard) {
  Server s;
  Element r = s.iq(1, "alice@example.org/phone", "type='get'", "<vCard xmlns='vcard-temp'/>");
  EXPECT_EQ(r.attribute("type"), "result");
  const Element* v = r.child("vCard", vcard_ns);
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->elements().empty());
}

TEST(VCard, SetThenReadByItsOwnerAndByOthers) {
  Server s;
  EXPECT_EQ(s.iq(1, "alice@example.org/phone", "type='set'", card).attribute("type"), "result");
  Element own = s.iq(1, "alice@example.org/phone", "type='get'", "<vCard xmlns='vcard-temp'/>");
  ASSERT_TRUE(own.child("vCard", vcard_ns));
  EXPECT_EQ(own.child("vCard", vcard_ns)->child_text("FN"), "Alice Liddell");
  Element other = s.iq(2, "bob@example.org/desk", "type='get' to='alice@example.org'", "<vCard xmlns='vcard-temp'/>");
  EXPECT_EQ(other.attribute("type"), "result");
  ASSERT_TRUE(other.child("vCard", vcard_ns));
  EXPECT_EQ(other.child("vCard", vcard_ns)->child_text("NICKNAME"), "alice");
}

TEST(VCard, NobodyElseMayChangeIt) {
  Server s;
  Element r = s.iq(2, "bob@example.org/desk", "type='set' to='alice@example.org'", card);
  EXPECT_EQ(r.attribute("type"), "error");
}

TEST(VCard, AnOversizedVCardIsNotAcceptable) {
  Server s;
  const std::string big = "<vCard xmlns='vcard-temp'><PHOTO><BINVAL>" + std::string(4096, 'A') + "</BINVAL></PHOTO></vCard>";
  Element r = s.iq(1, "alice@example.org/phone", "type='set'", big);
  EXPECT_EQ(r.attribute("type"), "error");
  ASSERT_TRUE(r.child("error"));
  EXPECT_TRUE(r.child("error")->child("not-acceptable", "urn:ietf:params:xml:ns:xmpp-stanzas"));
}
