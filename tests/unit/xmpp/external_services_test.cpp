// XEP-0215: the server tells a client which STUN service to use for calls.
#include "xmpp/external_services.hpp"

#include <gtest/gtest.h>

#include "xmpp/memory_xmpp_store.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"

using namespace confab;
using namespace confab::xmpp;

namespace {

struct Server {
  SeededRng rng{1};
  MemoryXmppStore store;
  Router router{RouterConfig{.domains = {"example.org"}}, store, rng};
  Jid alice;

  Server() {
    store.add_account(*Jid::parse("alice@example.org"));
    register_external_services(router, {{"stun", "stun.example.org", 5678, "udp", false},
                                         {"stun", "stun.example.org", 5678, "tcp", false},
                                         {"turn", "turn.example.org", 3478, "udp", true}});
    alice = *router.bind(1, *Jid::parse("alice@example.org"), "phone");
  }

  Element ask(const std::string& payload) {
    auto iq = parse_element("<iq xmlns='jabber:client' type='get' id='x1' to='example.org' from='" + alice.str() + "'>" +
                            payload + "</iq>");
    EXPECT_TRUE(iq);
    router.handle_stanza(Instant{}, 1, *iq);
    auto d = router.poll_delivery();
    EXPECT_TRUE(d);
    return d ? d->stanza : Element();
  }
};

}  // namespace

TEST(ExternalServices, ListsEveryServiceOfTheServer) {
  Server s;
  Element reply = s.ask("<services xmlns='urn:xmpp:extdisco:2'/>");
  EXPECT_EQ(reply.attribute("type"), "result");
  const Element* services = reply.child("services", extdisco_ns);
  ASSERT_TRUE(services);
  auto list = services->elements();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0]->attribute("host"), "stun.example.org");
  EXPECT_EQ(list[0]->attribute("port"), "5678");
  EXPECT_EQ(list[0]->attribute("transport"), "udp");
  EXPECT_EQ(list[0]->attribute("type"), "stun");
  EXPECT_EQ(list[2]->attribute("restricted"), "1");
}

TEST(ExternalServices, ATypeNarrowsTheList) {
  Server s;
  Element reply = s.ask("<services xmlns='urn:xmpp:extdisco:2' type='turn'/>");
  const Element* services = reply.child("services", extdisco_ns);
  ASSERT_TRUE(services);
  ASSERT_EQ(services->elements().size(), 1u);
  EXPECT_EQ(services->elements()[0]->attribute("host"), "turn.example.org");
}

TEST(ExternalServices, IsAdvertisedInServiceDiscovery) {
  Server s;
  Element reply = s.ask("<query xmlns='http://jabber.org/protocol/disco#info'/>");
  bool found = false;
  if (const Element* q = reply.child("query", "http://jabber.org/protocol/disco#info"))
    for (const Element* f : q->elements())
      if (f->name == "feature" && f->attribute("var") == "urn:xmpp:extdisco:2") found = true;
  EXPECT_TRUE(found);
}
