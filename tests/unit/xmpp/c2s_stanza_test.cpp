// An established c2s session: stanzas in, stamped for the router (RFC 6120
// §8.1.2.1), stanzas out, and closing it from the server's side.
#include <gtest/gtest.h>

#include "c2s_test_util.hpp"
#include "xmpp/xml_builder.hpp"

namespace confab::xmpp::test {
namespace {

TEST(C2sStanza, FromIsStampedWithTheFullJid) {
  Harness h;
  h.establish();
  h.send("<message to='romeo@example.net' type='chat' id='m1'><body>Wherefore?</body></message>");
  h.send("<presence from='juliet@example.org'/>");
  h.send("<iq type='get' id='r1' from='juliet@example.org/balcony'><query xmlns='jabber:iq:roster'/></iq>");
  auto in = h.inbound();
  ASSERT_EQ(in.size(), 3u);
  for (const Element& e : in) EXPECT_EQ(e.attribute("from"), "juliet@example.org/balcony") << serialize(e);
  EXPECT_EQ(in[0].child_text("body"), "Wherefore?");
  EXPECT_EQ(in[0].attribute("id"), "m1");
  EXPECT_EQ(in[2].child("query", "jabber:iq:roster")->name, "query");
  EXPECT_EQ(h.session->counters().stanzas_in, 3u);
  EXPECT_TRUE(h.nothing_more());
}

TEST(C2sStanza, AForgedFromIsInvalidFrom) {
  for (std::string from : {"romeo@example.org", "juliet@example.org/orchard", "example.org", "not@@valid"}) {
    Harness h;
    h.establish();
    h.send("<message from='" + from + "' to='romeo@example.net'><body>x</body></message>");
    EXPECT_EQ(h.next_stream_error(), "invalid-from") << from;
    EXPECT_TRUE(h.inbound().empty()) << from;
  }
}

TEST(C2sStanza, FromIsComparedInCanonicalForm) {
  Harness h;
  h.establish();
  h.send("<message from='JULIET@Example.ORG/balcony' to='romeo@example.net'/>");
  EXPECT_EQ(h.inbound().size(), 1u);
}

TEST(C2sStanza, ToIsCanonicalised) {
  Harness h;
  h.establish();
  h.send("<message to='Romeo@Example.NET/Garden'/>");
  auto in = h.inbound();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].attribute("to"), "romeo@example.net/Garden");
}

TEST(C2sStanza, AMalformedToIsBouncedWithJidMalformed) {
  Harness h;
  h.establish();
  h.send("<message to='foo bar@example.net' id='m2'><body>x</body></message>");
  EXPECT_TRUE(h.inbound().empty());
  Element error = h.next_element();
  EXPECT_EQ(error.attribute("type"), "error");
  EXPECT_EQ(error.attribute("id"), "m2");
  EXPECT_EQ(error.attribute("to"), "juliet@example.org/balcony");
  EXPECT_EQ(stanza_error_of(error), "modify jid-malformed");
  // An error is never answered with an error.
  h.send("<message to='foo bar@example.net' type='error'/>");
  EXPECT_TRUE(h.nothing_more());
  EXPECT_EQ(h.session->counters().stanza_errors, 1u);
}

TEST(C2sStanza, TheStreamLanguageIsStampedOnStanzasWithoutOne) {
  Harness h;
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open(stream_open_to("example.org", "xml:lang='de' "));
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  EXPECT_EQ(h.open(stream_open_to("example.org", "xml:lang='de' ")).name, "features");
  h.bind();
  h.send("<message to='romeo@example.net'/><message to='romeo@example.net' xml:lang='fr'/>");
  auto in = h.inbound();
  ASSERT_EQ(in.size(), 2u);
  EXPECT_EQ(in[0].attribute("lang", ns::xml), "de");
  EXPECT_EQ(in[1].attribute("lang", ns::xml), "fr");
}

TEST(C2sStanza, AnythingButAStanzaIsUnsupportedStanzaType) {
  Harness h;
  h.establish();
  h.send("<nonsense xmlns='urn:example:unknown'/>");
  EXPECT_EQ(h.next_stream_error(), "unsupported-stanza-type");
}

TEST(C2sStanza, MessagesInAnotherNamespaceAreNoStanzas) {
  Harness h;
  h.establish();
  h.send("<message xmlns='urn:example'/>");
  EXPECT_EQ(h.next_stream_error(), "unsupported-stanza-type");
}

TEST(C2sStanza, ConfiguredNonzasReachTheRouterWithTheirFeature) {
  Harness h;
  h.config.extra_features.push_back(Element("csi", "urn:xmpp:csi:0"));
  h.config.routed_namespaces.push_back("urn:xmpp:csi:0");
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open();
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  EXPECT_EQ(child_names(h.open()), "bind session sm csi");
  h.bind();
  h.send("<inactive xmlns='urn:xmpp:csi:0'/>");
  auto in = h.inbound();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_TRUE(in[0].is("inactive", "urn:xmpp:csi:0"));
  EXPECT_FALSE(in[0].attribute("from"));  // a nonza is not a stanza: no stamping
}

TEST(C2sStanza, SendWritesStanzasInTheStreamsNamespace) {
  Harness h;
  h.establish();
  const std::size_t before = h.written.size();
  h.session->send(Builder("message", std::string(ns::client))
                      .attr("from", "romeo@example.net/garden")
                      .attr("to", "juliet@example.org/balcony")
                      .tag("body")
                      .text("It is my lady")
                      .build());
  h.pump();
  EXPECT_EQ(h.written.substr(before),
            "<message from='romeo@example.net/garden' to='juliet@example.org/balcony'><body>It is my lady</body>"
            "</message>");
  EXPECT_EQ(h.next_element().child_text("body"), "It is my lady");
  EXPECT_EQ(h.session->counters().stanzas_out, 1u);
}

TEST(C2sStanza, SendBeforeBindingIsDropped) {
  Harness h;
  h.start();
  h.open();
  h.session->send(Element("message", std::string(ns::client)));
  h.pump();
  EXPECT_TRUE(h.nothing_more());
  EXPECT_EQ(h.session->counters().dropped_out, 1u);
}

TEST(C2sStanza, TheServerClosesWithAStreamError) {
  Harness h;
  h.establish();
  h.session->close(StreamErrorCondition::system_shutdown, "bye");
  h.pump();
  EXPECT_EQ(h.next_stream_error(), "system-shutdown");
  h.session->send(Element("message", std::string(ns::client)));
  EXPECT_FALSE(h.session->poll_output());
}

TEST(C2sStanza, TheRoutersConflictErrorClosesTheStream) {
  Harness h;
  h.establish();
  Element error("error", std::string(ns::streams));
  error.add_child(Element("conflict", std::string(ns::stream_errors)));
  h.session->close_with_error(error);
  h.pump();
  EXPECT_EQ(h.next_stream_error(), "conflict");
  auto event = h.session->poll_event();
  ASSERT_TRUE(event);
  EXPECT_EQ(std::get<StreamErrorSent>(*event).condition, StreamErrorCondition::conflict);
}

TEST(C2sStanza, AGracefulCloseIsOurCloseTag) {
  Harness h;
  h.establish();
  h.session->close();
  h.pump();
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(h.next()));
  EXPECT_TRUE(h.session->wants_close());
}

TEST(C2sStanza, StanzasInManySmallPiecesArriveWhole) {
  Harness h;
  h.establish();
  const std::string m = "<message to='romeo@example.net'><body>\xe2\x99\x9a slowly</body></message>";
  for (char c : m) h.send(std::string_view(&c, 1));
  auto in = h.inbound();
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0].child_text("body"), "\xe2\x99\x9a slowly");
}

TEST(C2sStanza, CountersAddUp) {
  C2sCounters a, b;
  a.stanzas_in = 2;
  b.stanzas_in = 3;
  b.timeouts = 1;
  a += b;
  EXPECT_EQ(a.stanzas_in, 5u);
  EXPECT_EQ(a.timeouts, 1u);
}

}  // namespace
}  // namespace confab::xmpp::test
