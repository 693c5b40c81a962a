// The XML stream parser on real XMPP streams: the RFC 6120 §9 examples,
// input split anywhere, whitespace keepalives, restarts, namespaces.
#include <gtest/gtest.h>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"
#include "xmpp_test_util.hpp"

namespace confab::xmpp {
namespace {

using test::drain;
using test::header;
using test::parse;
using test::stanzas;

// RFC 6120 §9.1: the client's side of a whole session, as three streams
// (before STARTTLS, after it, after SASL), each restart marked by a stanza.
const std::string stream1 = test::client_header + "\n<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>\n";
const std::string stream2 = test::client_header +
                            "\n<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"\n"
                            "      mechanism=\"SCRAM-SHA-1-PLUS\">\n"
                            "  cD10bHMtdW5pcXVlLCxuPWp1bGlldCxyPW9Zck9BTlVwNmg0Njg0OA==\n"
                            "</auth>\n"
                            "<response xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">\n"
                            "  Yz1jRDEwYkhNdGRXNXBjWFZsTEN3PSxyPW9Zck9BTlVwNmg0Njg0OA==\n"
                            "</response>\n";
const std::string stream3 = test::client_header +
                            "\n<iq id='yhc13a95' type='set'>\n"
                            "  <bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>\n"
                            "    <resource>balcony</resource>\n"
                            "  </bind>\n"
                            "</iq>\n"
                            "<message from='juliet@im.example.com/balcony'\n"
                            "         id='ju2ba41c'\n"
                            "         to='romeo@example.net'\n"
                            "         type='chat'\n"
                            "         xml:lang='en'>\n"
                            "  <body>Art thou not Romeo, and a Montague?</body>\n"
                            "</message>\n"
                            "<presence/>\n"
                            "</stream:stream>";

TEST(XmlStreamParser, ClientStreamHeaderOfRfc6120IsReadIntoItsFields) {
  auto events = parse(test::client_header);
  ASSERT_EQ(events.size(), 1u);
  const auto* h = std::get_if<StreamHeader>(&events[0]);
  ASSERT_NE(h, nullptr);
  EXPECT_EQ(h->from, "juliet@im.example.com");
  EXPECT_EQ(h->to, "im.example.com");
  EXPECT_EQ(h->version, "1.0");
  EXPECT_EQ(h->lang, "en");
  EXPECT_FALSE(h->id);
  EXPECT_EQ(h->content_namespace, ns::client);
  EXPECT_EQ(h->prefix, "stream");
  using P = std::pair<std::string, std::string>;
  EXPECT_EQ(h->namespaces, (std::vector<P>{{"", "jabber:client"}, {"stream", std::string(ns::streams)}}));
  EXPECT_TRUE(h->other_attributes.empty());
}

TEST(XmlStreamParser, ServerResponseHeaderCarriesTheStreamId) {
  auto events = parse(test::server_header);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<StreamHeader>(events[0]).id, "t7AMCin9zjMNwQKDnplntZPIDEI=");
}

TEST(XmlStreamParser, StanzasInheritTheContentNamespaceAndStreamElementsKeepTheirPrefix) {
  auto events = parse(test::server_header +
                      "<stream:features>"
                      "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                      "</stream:features>" +
                      stream3.substr(test::client_header.size()));
  auto s = stanzas(events);
  ASSERT_EQ(s.size(), 4u);
  EXPECT_TRUE(s[0].is("features", ns::streams));
  EXPECT_EQ(s[0].prefix, "stream");
  const Element* starttls = s[0].child("starttls", ns::tls);
  ASSERT_NE(starttls, nullptr);
  EXPECT_NE(starttls->child("required"), nullptr);  // inherits urn:...xmpp-tls

  EXPECT_TRUE(s[1].is("iq", ns::client));
  EXPECT_EQ(s[1].attribute("type"), "set");
  EXPECT_EQ(s[1].child("bind", ns::bind)->child_text("resource"), "balcony");

  EXPECT_TRUE(s[2].is("message", ns::client));
  EXPECT_EQ(s[2].attribute("lang", ns::xml), "en");
  EXPECT_EQ(s[2].child_text("body"), "Art thou not Romeo, and a Montague?");
  EXPECT_TRUE(s[3].is("presence", ns::client));
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events.back()));
}

TEST(XmlStreamParser, ByteByByteGivesTheSameEventsAsWhole) {
  for (const std::string& stream : {stream1, stream2, stream3}) {
    auto whole = parse(stream);
    EXPECT_EQ(parse(stream, 1), whole);
    EXPECT_EQ(parse(stream, 7), whole);
  }
}

TEST(XmlStreamParser, EverySplitPointGivesTheSameEvents) {
  const std::string stream = header + "<message to='a@b'><body>h\xC3\xA9llo &amp; \xF0\x9F\x98\x80</body></message> ";
  auto whole = parse(stream);
  ASSERT_EQ(stanzas(whole).size(), 1u);
  for (std::size_t split = 0; split <= stream.size(); ++split) {
    StreamParser p;
    p.feed(std::string_view(stream).substr(0, split));
    auto events = drain(p);
    p.feed(std::string_view(stream).substr(split));
    for (auto& e : drain(p)) events.push_back(std::move(e));
    EXPECT_EQ(events, whole) << "split at " << split;
  }
}

TEST(XmlStreamParser, AStanzaIsDeliveredAsSoonAsItsLastByteArrives) {
  StreamParser p;
  p.feed(header + "<presence><show>away</show></presence");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 1u);  // just the header
  p.feed(">");
  events = drain(p);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<Element>(events[0]).child_text("show"), "away");
}

TEST(XmlStreamParser, WhitespaceKeepalivesBetweenStanzasAreNotStanzas) {
  auto events = parse(header + " \n<presence/>\n \t\r\n <presence/> ", 1);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(stanzas(events).size(), 2u);
  EXPECT_EQ(test::error(events), nullptr);
}

TEST(XmlStreamParser, CloseTagEndsTheStream) {
  StreamParser p;
  p.feed(header + "<presence/></stream:stream>");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[2]));
  EXPECT_TRUE(p.closed());
  p.finish();
  EXPECT_TRUE(drain(p).empty());  // closed cleanly: no error at the end of input
}

TEST(XmlStreamParser, AnEmptyStreamElementOpensAndClosesTheStream) {
  auto events = parse("<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::holds_alternative<StreamHeader>(events[0]));
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(events[1]));
}

TEST(XmlStreamParser, ServerToServerStreamDeclaresPrefixesStanzasUse) {
  // RFC 6120 §9.2.1 with the dialback namespace of XEP-0220.
  auto events = parse(
      "<?xml version='1.0'?>"
      "<stream:stream from='im.example.com' to='example.net' version='1.0'"
      " xmlns='jabber:server' xmlns:db='jabber:server:dialback'"
      " xmlns:stream='http://etherx.jabber.org/streams'>"
      "<db:result from='example.net' to='im.example.com'>b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3</db:result>"
      "<message from='a@example.net' to='b@im.example.com'><body>hi</body></message>");
  ASSERT_EQ(events.size(), 3u);
  const auto& h = std::get<StreamHeader>(events[0]);
  EXPECT_EQ(h.content_namespace, ns::server);
  auto s = stanzas(events);
  EXPECT_TRUE(s[0].is("result", ns::dialback));
  EXPECT_EQ(s[0].prefix, "db");
  EXPECT_TRUE(s[1].is("message", ns::server));
  // Written back on that stream, neither needs a declaration of its own.
  EXPECT_EQ(serialize(s[0], scope_of(h)).substr(0, 22), "<db:result from='examp");
  EXPECT_EQ(serialize(s[1], scope_of(h)), "<message from='a@example.net' to='b@im.example.com'><body>hi</body></message>");
}

TEST(XmlStreamParser, ContentOfAStanzaKeepsItsOrderAndDecoding) {
  auto s = stanzas(parse(header +
                         "<message><body>a &lt;b&gt; &amp; &apos;c&apos; &quot;d&quot; &#x263A;&#65;"
                         "<![CDATA[<raw & text>]]>e</body><x xmlns='urn:x'>1<y/>2</x></message>"));
  ASSERT_EQ(s.size(), 1u);
  const Element* body = s[0].child("body");
  ASSERT_EQ(body->children.size(), 1u);  // one run: entities, references and CDATA joined
  EXPECT_EQ(body->text(), "a <b> & 'c' \"d\" \xE2\x98\xBA" "A<raw & text>e");
  const Element* x = s[0].child("x", "urn:x");
  ASSERT_EQ(x->children.size(), 3u);
  EXPECT_EQ(*x->children[0].text(), "1");
  EXPECT_TRUE(x->children[1].element()->is("y", "urn:x"));
  EXPECT_EQ(*x->children[2].text(), "2");
}

TEST(XmlStreamParser, PrefixedElementsAndAttributesAreResolved) {
  auto s = stanzas(parse(header +
                         "<iq type='get' id='1'><q:query xmlns:q='jabber:iq:roster' xmlns:v='urn:v' v:ver='7'"
                         " q:item='x' plain='p'/></iq>"));
  ASSERT_EQ(s.size(), 1u);
  const Element* q = s[0].child("query", "jabber:iq:roster");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->prefix, "q");
  EXPECT_EQ(q->attribute("ver", "urn:v"), "7");
  EXPECT_EQ(q->attribute("item", "jabber:iq:roster"), "x");
  EXPECT_EQ(q->attribute("item"), std::nullopt);  // a prefixed attribute is not the unqualified one
  EXPECT_EQ(q->attribute("plain"), "p");
  EXPECT_EQ(q->attributes.size(), 3u);  // xmlns declarations are not attributes
}

TEST(XmlStreamParser, StanzaInAnExplicitNamespaceOverridesTheDefault) {
  auto s = stanzas(parse(header + "<message xmlns='jabber:server'/><foo:bar xmlns:foo='urn:foo'/><x xmlns=''/>"));
  ASSERT_EQ(s.size(), 3u);
  EXPECT_TRUE(s[0].is("message", ns::server));
  EXPECT_TRUE(s[1].is("bar", "urn:foo"));
  EXPECT_TRUE(s[2].is("x", ""));
}

TEST(XmlStreamParser, RestartAfterStarttlsBeginsAFreshStream) {
  StreamParser p;
  p.feed(stream1);
  auto events = drain(p);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::get<Element>(events[1]).is("starttls", ns::tls));
  // <proceed/>, TLS handshake; then the client starts over, XML declaration and all.
  EXPECT_TRUE(p.reset().empty());
  EXPECT_FALSE(p.opened());
  EXPECT_EQ(p.offset(), 0u);
  p.feed(stream2);
  events = drain(p);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<StreamHeader>(events[0]));
  EXPECT_TRUE(std::get<Element>(events[1]).is("auth", ns::sasl));
  EXPECT_EQ(std::get<Element>(events[1]).attribute("mechanism"), "SCRAM-SHA-1-PLUS");
  EXPECT_TRUE(std::get<Element>(events[2]).is("response", ns::sasl));
  EXPECT_TRUE(p.reset().empty());
  p.feed(stream3);
  EXPECT_EQ(stanzas(drain(p)).size(), 3u);
}

TEST(XmlStreamParser, ResetHandsBackWhatCameAfterTheLastEvent) {
  // A client that does not wait for <success/> before restarting: the new
  // header arrives in the same read as its last SASL element. The session
  // polls one event at a time and restarts before polling again.
  StreamParser p;
  p.feed(header + "<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>\n" + test::client_header + "<presence/>");
  ASSERT_TRUE(p.poll_event());
  auto response = p.poll_event();
  ASSERT_TRUE(response && std::holds_alternative<Element>(*response));
  Bytes rest = p.reset();
  EXPECT_EQ(as_chars(rest), test::client_header + "<presence/>");  // the keepalive newline is dropped
  p.feed(rest);
  auto events = drain(p);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(std::get<StreamHeader>(events[0]).from, "juliet@im.example.com");
  EXPECT_TRUE(std::get<Element>(events[1]).is("presence", ns::client));
}

TEST(XmlStreamParser, NothingAfterStarttlsIsParsedBeforeTheSessionDecides) {
  // Plaintext injected behind <starttls/> (the CVE-2011-0411 pattern) is
  // neither parsed nor lost: reset() returns it for the session to refuse.
  StreamParser p;
  p.feed(stream1 + "<message to='victim@example.com'><body>injected</body></message><<<");
  ASSERT_TRUE(p.poll_event());
  auto starttls = p.poll_event();
  ASSERT_TRUE(starttls && std::get<Element>(*starttls).is("starttls", ns::tls));
  EXPECT_FALSE(p.failed());
  Bytes rest = p.reset();
  EXPECT_EQ(as_chars(rest), "<message to='victim@example.com'><body>injected</body></message><<<");
}

TEST(XmlStreamParser, ResetAfterPollingOnTheSameChunkKeepsTheUnparsedTail) {
  StreamParser p;
  p.feed(header + "<a/><b/><c/>");
  ASSERT_TRUE(p.poll_event());
  ASSERT_TRUE(p.poll_event());  // <a/>
  EXPECT_EQ(as_chars(p.reset()), "<b/><c/>");
}

TEST(XmlStreamParser, ResetAfterAnErrorGivesAWorkingParser) {
  StreamParser p;
  p.feed(header + "<a></b>");
  ASSERT_EQ(drain(p).size(), 2u);
  EXPECT_TRUE(p.failed());
  p.reset();
  EXPECT_FALSE(p.failed());
  p.feed(header + "<presence/>");
  EXPECT_EQ(stanzas(drain(p)).size(), 1u);
}

TEST(XmlStreamParser, FinishParsesWhatWasHeldBack) {
  // A long tag still arriving is held back from expat; the end of input
  // flushes it, and the error names the unfinished stanza.
  StreamParser p;
  p.feed(header + "<message id='" + std::string(5000, 'i'));
  EXPECT_EQ(drain(p).size(), 1u);  // the header
  for (int i = 0; i < 100; ++i) {
    p.feed("i");
    EXPECT_TRUE(drain(p).empty());
  }
  p.feed("'");
  p.finish();
  auto events = drain(p);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(std::get<StreamError>(events[0]).condition, StreamErrorCondition::not_well_formed);
}

TEST(XmlStreamParser, ConnectionClosedInsideAStreamIsNotWellFormed) {
  auto events = parse(header + "<message><body>half", 0, {}, true);
  ASSERT_NE(test::error(events), nullptr);
  EXPECT_EQ(test::error(events)->condition, StreamErrorCondition::not_well_formed);
  EXPECT_EQ(test::error(events)->detail, "connection closed inside <message/>");

  events = parse(header + "<presence/>", 0, {}, true);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(test::error(events)->detail, "connection closed without </stream:stream>");

  events = parse("<?xml version='1.0'?><stream:str", 0, {}, true);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(test::error(events)->detail, "connection closed before a stream header");
}

TEST(XmlStreamParser, ErrorsSayWhereWithLineAndColumn) {
  auto events = parse(header + "\n<message>\n  <body>x</bdy>\n</message>");
  const StreamError* e = test::error(events);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->condition, StreamErrorCondition::not_well_formed);
  EXPECT_EQ(e->line, 3u);
  EXPECT_EQ(e->column, 12u);  // expat points at the name in </bdy>
  EXPECT_EQ(e->offset, header.size() + 1 + 10 + 11);
  EXPECT_EQ(e->message(), "XMPP decode error at byte " + std::to_string(e->offset) +
                              " (line 3, column 12): not-well-formed: mismatched tag");
}

TEST(XmlStreamParser, EventsBeforeAnErrorAreDeliveredAndNothingAfterIt) {
  StreamParser p;
  p.feed(header + "<presence/><message></iq><presence/>");
  auto events = drain(p);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<Element>(events[1]));
  EXPECT_TRUE(std::holds_alternative<StreamError>(events[2]));
  EXPECT_TRUE(p.failed());
  p.feed("<presence/>");
  p.finish();
  EXPECT_TRUE(drain(p).empty());
}

TEST(XmlStreamParser, StreamStructureErrorsMapToRfc6120Conditions) {
  using C = StreamErrorCondition;
  using test::condition;
  // §4.8.1: the root must be <stream> in the stream namespace.
  EXPECT_EQ(condition("<stream:stream xmlns:stream='http://example.com/streams'>"), C::invalid_namespace);
  EXPECT_EQ(condition("<stream xmlns='jabber:client'>"), C::invalid_namespace);
  EXPECT_EQ(condition("<stream:foo xmlns:stream='http://etherx.jabber.org/streams'>"), C::bad_format);
  // The stream namespace as the default leaves none for content (§4.8.5).
  EXPECT_EQ(condition("<stream xmlns='http://etherx.jabber.org/streams'>"), C::bad_namespace_prefix);
  // §4.8.2: the content namespace must be one the port serves.
  EXPECT_EQ(condition("<stream:stream xmlns='jabber:iq:roster' xmlns:stream='http://etherx.jabber.org/streams'>"),
            C::invalid_namespace);
  StreamParserOptions s2s{{}, "jabber:server"};
  EXPECT_EQ(condition(header, s2s), C::invalid_namespace);
  EXPECT_EQ(condition(header + "<foo:message/>"), C::bad_namespace_prefix);  // unbound prefix
  EXPECT_EQ(condition(header + "hello<presence/>"), C::bad_format);          // text between stanzas
  EXPECT_EQ(condition(header + "<presence/>" + header), C::bad_format);  // a restart nobody asked for
  EXPECT_EQ(condition(header + "<presence/>" + test::client_header), C::not_well_formed);  // XML declaration
  EXPECT_EQ(condition(header + "<message to='a' to='b'/>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "<message></stream:stream>"), C::not_well_formed);
  EXPECT_EQ(condition(header + "</stream:stream><presence/>"), C::not_well_formed);
}

TEST(XmlStreamParser, AcceptedContentNamespaceCanBeRequired) {
  StreamParserOptions c2s{{}, "jabber:client"};
  auto events = parse(header, 0, c2s);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<StreamHeader>(events[0]));
  // A header with no default namespace is accepted: stanzas then carry their own.
  events = parse("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message xmlns='jabber:client'/>");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(std::get<StreamHeader>(events[0]).content_namespace.empty());
  EXPECT_TRUE(std::get<Element>(events[1]).is("message", ns::client));
}

TEST(XmlStreamParser, AnyPrefixForTheStreamNamespaceIsAccepted) {
  auto events = parse("<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>"
                      "<s:features/></s:stream>");
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<StreamHeader>(events[0]).prefix, "s");
  EXPECT_TRUE(std::get<Element>(events[1]).is("features", ns::streams));
}

TEST(ParseElement, ParsesOneStandaloneElement) {
  auto e = parse_element("<?xml version='1.0'?>\n<message xmlns='jabber:client' to='romeo@example.net'>"
                         "<body>hi</body></message>\n");
  ASSERT_TRUE(e) << e.error().message();
  EXPECT_TRUE(e->is("message", ns::client));
  EXPECT_EQ(e->child_text("body"), "hi");
}

TEST(ParseElement, RefusesWhatIsNotExactlyOneElement) {
  using C = StreamErrorCondition;
  EXPECT_EQ(parse_element("").error().condition, C::not_well_formed);
  EXPECT_EQ(parse_element("  ").error().condition, C::not_well_formed);
  EXPECT_EQ(parse_element("<a/><b/>").error().condition, C::not_well_formed);
  EXPECT_EQ(parse_element("<a>").error().detail, "input ends inside <a/>");
  EXPECT_EQ(parse_element("<a/>x").error().condition, C::not_well_formed);
  EXPECT_EQ(parse_element("<a/><").error().condition, C::not_well_formed);
  EXPECT_EQ(parse_element("<!-- c --><a/>").error().condition, C::restricted_xml);
  Limits small;
  small.max_stanza_size = 10;
  EXPECT_EQ(parse_element("<a>0123456789</a>", small).error().condition, C::policy_violation);
}

}  // namespace
}  // namespace confab::xmpp
