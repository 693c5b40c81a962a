// The c2s session's stream: headers, features, STARTTLS, restarts, stream
// errors and the close (RFC 6120 §4, §5).
#include <gtest/gtest.h>

#include "c2s_test_util.hpp"

namespace confab::xmpp::test {
namespace {

TEST(C2sStream, AnswersAClientHeaderWithItsOwnAndRequiredStarttls) {
  Harness h;
  h.start();
  h.send(stream_open_to("example.org", "from='juliet@example.org' "));
  StreamHeader ours = h.next_header();
  EXPECT_EQ(ours.from, "example.org");
  EXPECT_EQ(ours.to, "juliet@example.org");
  EXPECT_EQ(ours.version, "1.0");
  EXPECT_EQ(ours.lang, "en");
  EXPECT_EQ(ours.content_namespace, "jabber:client");
  ASSERT_TRUE(ours.id);
  EXPECT_EQ(ours.id->size(), 32u);  // 128 bits, hex
  Element features = h.next_element();
  // §5.3.1: TLS mandatory, so STARTTLS alone, marked required.
  EXPECT_EQ(child_names(features), "starttls");
  EXPECT_NE(features.child("starttls", ns::tls)->child("required", ns::tls), nullptr);
  EXPECT_TRUE(h.nothing_more());
  EXPECT_FALSE(h.session->wants_close());
  EXPECT_EQ(h.session->domain(), "example.org");
}

TEST(C2sStream, AfterStarttlsTheNewStreamOffersSasl) {
  Harness h;
  h.start();
  const std::string first_id = *[&] {
    h.send(stream_open);
    return h.next_header().id;
  }();
  h.next_element();
  h.starttls();
  EXPECT_TRUE(h.session->is_tls());
  h.send(stream_open);
  StreamHeader second = h.next_header();
  EXPECT_NE(second.id, first_id);  // a new stream, a new id
  Element features = h.next_element();
  EXPECT_EQ(child_names(features), "mechanisms");
  EXPECT_EQ(mechanism_names(features), "SCRAM-SHA-256 SCRAM-SHA-1 PLAIN");
  EXPECT_EQ(h.session->counters().tls, 1u);
  EXPECT_EQ(h.session->counters().streams, 2u);
}

TEST(C2sStream, WithChannelBindingDataOffersPlusMechanismsAndTheirTypes) {
  Harness h;
  h.start();
  h.open();
  h.starttls({{"tls-exporter", exporter_data}});
  Element features = h.open();
  EXPECT_EQ(mechanism_names(features), "SCRAM-SHA-256-PLUS SCRAM-SHA-1-PLUS SCRAM-SHA-256 SCRAM-SHA-1 PLAIN");
  const Element* cb = features.child("sasl-channel-binding", ns::sasl_cb);
  ASSERT_NE(cb, nullptr);  // XEP-0440
  ASSERT_EQ(cb->elements().size(), 1u);
  EXPECT_EQ(cb->elements()[0]->attribute("type"), "tls-exporter");
}

TEST(C2sStream, DirectTlsSkipsStarttls) {
  Harness h;
  h.start({.id = 5, .source = {}, .tls = true, .bindings = {{"tls-exporter", exporter_data}}});
  Element features = h.open();
  EXPECT_EQ(child_names(features), "mechanisms sasl-channel-binding");
  EXPECT_EQ(h.scram(sasl::Mechanism::scram_sha256_plus, "juliet", "r0m30myr0m30",
                    {sasl::Gs2Flag::p, {"tls-exporter", exporter_data}})
                .name,
            "success");
  h.open();
  EXPECT_EQ(h.bind("orchard").attribute("type"), "result");
  EXPECT_EQ(h.session->bound_jid()->str(), "juliet@example.org/orchard");
  EXPECT_EQ(h.binder.calls.at(0).session, 5u);
}

TEST(C2sStream, StarttlsOnATlsConnectionFailsAndCloses) {
  Harness h;
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open();
  h.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_TRUE(h.next_element().is("failure", ns::tls));  // §5.4.2.2
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(h.next()));
  EXPECT_TRUE(h.session->wants_close());
}

TEST(C2sStream, WithoutTlsRequiredOffersStarttlsAndScramTogether) {
  Harness h;
  h.config.require_tls = false;
  h.start();
  Element features = h.open();
  EXPECT_EQ(child_names(features), "starttls mechanisms");
  EXPECT_EQ(features.child("starttls", ns::tls)->child("required", ns::tls), nullptr);
  EXPECT_EQ(mechanism_names(features), "SCRAM-SHA-256 SCRAM-SHA-1");  // never PLAIN in the clear
}

TEST(C2sStream, BytesAfterStarttlsAreAnInjectionAndCloseTheStream) {
  Harness h;
  h.start();
  h.open();
  // CVE-2011-0411: a man in the middle appends plaintext to the client's
  // <starttls/>, hoping it is taken as sent over TLS.
  h.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><iq type='set' id='x'/>");
  EXPECT_EQ(h.next_stream_error(), "policy-violation");
  EXPECT_FALSE(h.session->wants_tls());
  EXPECT_EQ(h.session->counters().tls_injections, 1u);
}

TEST(C2sStream, BytesArrivingDuringTheHandshakeCloseTheConnection) {
  Harness h;
  h.start();
  h.open();
  h.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  ASSERT_TRUE(h.session->wants_tls());
  h.session->handle_bytes(h.now, std::string_view("<auth/>"));
  EXPECT_TRUE(h.session->wants_close());
  EXPECT_FALSE(h.session->poll_output());  // nothing in plaintext now
  EXPECT_EQ(h.session->counters().tls_injections, 1u);
}

TEST(C2sStream, UnknownDomainIsHostUnknownAfterOurHeader) {
  Harness h;
  h.start();
  h.send(stream_open_to("example.net"));
  EXPECT_EQ(h.next_header().from, "example.org");  // §4.9.1.2: a header first
  EXPECT_EQ(h.next_stream_error(), "host-unknown");
  EXPECT_EQ(h.session->counters().stream_errors, 1u);
  auto event = h.session->poll_event();
  ASSERT_TRUE(event);
  EXPECT_EQ(std::get<StreamErrorSent>(*event).condition, StreamErrorCondition::host_unknown);
}

TEST(C2sStream, ToIsComparedInCanonicalForm) {
  Harness h;
  h.start();
  h.send(stream_open_to("EXAMPLE.org."));
  EXPECT_EQ(h.next_header().from, "example.org");
  EXPECT_TRUE(h.next_element().is("features", ns::streams));
}

TEST(C2sStream, ToWithALocalpartIsHostUnknown) {
  Harness h;
  h.start();
  h.send(stream_open_to("juliet@example.org"));
  h.next_header();
  EXPECT_EQ(h.next_stream_error(), "host-unknown");
}

TEST(C2sStream, NoToMeansTheFirstDomain) {
  Harness h;
  sasl::ServerConfig second = sasl::test::server_config();
  second.domain = "chat.example.net";
  h.config.hosts.push_back(second);
  h.start();
  h.send("<stream:stream version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
  EXPECT_EQ(h.next_header().from, "example.org");
}

TEST(C2sStream, ServesEachConfiguredDomainWithItsOwnAccounts) {
  Harness h;
  sasl::ServerConfig second = sasl::test::server_config();
  second.domain = "chat.example.net";
  h.config.hosts.push_back(second);
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open(stream_open_to("chat.example.net"));
  EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  EXPECT_EQ(h.lookup_domains, std::vector<std::string>{"chat.example.net"});
  EXPECT_EQ(h.session->account()->str(), "juliet@chat.example.net");
  // A restart may not move to another domain.
  h.send(stream_open_to("example.org"));
  h.next_header();
  EXPECT_EQ(h.next_stream_error(), "host-unknown");
}

TEST(C2sStream, OldOrMissingVersionsAreUnsupported) {
  for (std::string version : {"version='0.9' ", "", "version='1' ", "version='x.y' "}) {
    Harness h;
    h.start();
    h.send("<stream:stream to='example.org' " + version +
           "xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>");
    h.next_header();
    EXPECT_EQ(h.next_stream_error(), "unsupported-version") << version;
  }
}

TEST(C2sStream, ANewerVersionIsAnsweredWithOurs) {
  Harness h;
  h.start();
  h.send("<stream:stream to='example.org' version='1.10' xmlns='jabber:client' "
         "xmlns:stream='http://etherx.jabber.org/streams'>");
  EXPECT_EQ(h.next_header().version, "1.0");
  EXPECT_TRUE(h.next_element().is("features", ns::streams));
}

TEST(C2sStream, AServerStreamOrNoContentNamespaceIsInvalidNamespace) {
  for (std::string xmlns : {"xmlns='jabber:server' ", ""}) {
    Harness h;
    h.start();
    h.send("<stream:stream to='example.org' version='1.0' " + xmlns +
           "xmlns:stream='http://etherx.jabber.org/streams'>");
    h.next_header();
    EXPECT_EQ(h.next_stream_error(), "invalid-namespace") << xmlns;
  }
}

TEST(C2sStream, GarbageBeforeTheHeaderIsAnsweredWithAHeaderAndAnError) {
  Harness h;
  h.start();
  h.send("GET / HTTP/1.1\r\n\r\n");
  h.next_header();
  EXPECT_EQ(h.next_stream_error(), "not-well-formed");
  EXPECT_EQ(h.session->counters().xml_errors, 1u);
}

TEST(C2sStream, BadXmlIsNotWellFormed) {
  Harness h;
  h.start();
  h.open();
  h.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'></proceed>");
  EXPECT_EQ(h.next_stream_error(), "not-well-formed");
  auto event = h.session->poll_event();
  ASSERT_TRUE(event);
  // The log gets the place; the client the short text.
  EXPECT_NE(std::get<StreamErrorSent>(*event).detail.find("line 1"), std::string::npos);
}

TEST(C2sStream, AStanzaBeforeAuthenticationIsNotAuthorizedAndNotProcessed) {
  Harness h;
  h.start();
  h.open();
  h.send("<message to='romeo@example.net'><body>hi</body></message>");
  EXPECT_EQ(h.next_stream_error(), "not-authorized");
  EXPECT_TRUE(h.inbound().empty());
}

TEST(C2sStream, AnythingElseBeforeAuthenticationIsNotAuthorizedToo) {
  Harness h;
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open();
  h.send("<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_EQ(h.next_stream_error(), "not-authorized");
  EXPECT_TRUE(h.binder.calls.empty());
}

TEST(C2sStream, TheClientsCloseIsAnsweredWithOurs) {
  Harness h;
  h.establish();
  h.send("</stream:stream>");
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(h.next()));
  EXPECT_TRUE(h.session->wants_close());
  EXPECT_TRUE(h.nothing_more());
}

TEST(C2sStream, AClientThatClosesAtOnceStillGetsAHeader) {
  Harness h;
  h.start();
  h.send(stream_open + "</stream:stream>");
  h.next_header();
  h.next_element();  // features
  EXPECT_TRUE(std::holds_alternative<StreamClosed>(h.next()));
}

TEST(C2sStream, WhitespaceKeepalivesPass) {
  Harness h;
  h.establish();
  h.send(" \n \t ");
  h.send("<presence/>");
  EXPECT_EQ(h.inbound().size(), 1u);
  EXPECT_FALSE(h.session->wants_close());
}

TEST(C2sStream, NegotiationHasADeadline) {
  Harness h;
  h.start();
  h.open();
  ASSERT_TRUE(h.session->poll_timeout());
  EXPECT_EQ(*h.session->poll_timeout(), h.now + std::chrono::seconds(30));
  h.session->handle_timeout(h.now + std::chrono::seconds(29));
  EXPECT_FALSE(h.session->wants_close());
  h.session->handle_timeout(h.now + std::chrono::seconds(30));
  h.pump();
  EXPECT_EQ(h.next_stream_error(), "connection-timeout");
  EXPECT_EQ(h.session->counters().timeouts, 1u);
  EXPECT_FALSE(h.session->poll_timeout());
}

TEST(C2sStream, AnEstablishedSessionHasNoDeadline) {
  Harness h;
  h.establish();
  EXPECT_FALSE(h.session->poll_timeout());
  h.session->handle_timeout(h.now + std::chrono::hours(1));
  EXPECT_FALSE(h.session->wants_close());
}

TEST(C2sStream, ATimeoutDuringTheHandshakeWritesNothing) {
  Harness h;
  h.start();
  h.open();
  h.send("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  h.session->handle_timeout(h.now + std::chrono::minutes(1));
  EXPECT_TRUE(h.session->wants_close());
  EXPECT_FALSE(h.session->poll_output());
}

TEST(C2sStream, UnauthenticatedStanzasAreHeldToASmallerSize) {
  Harness h;
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open();
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + std::string(20000, 'A') + "</auth>");
  EXPECT_EQ(h.next_stream_error(), "policy-violation");
}

TEST(C2sStream, EndOfInputEndsTheSession) {
  Harness h;
  h.start();
  h.open();
  h.session->handle_eof(h.now);
  EXPECT_TRUE(h.session->wants_close());
  EXPECT_FALSE(h.session->poll_output());
}

TEST(C2sStream, ConfigurationIsValidated) {
  C2sConfig c;
  EXPECT_FALSE(validate(c));
  c.hosts.push_back(sasl::test::server_config());
  EXPECT_TRUE(validate(c));
  c.hosts.back().domain = "Example.org";
  EXPECT_EQ(validate(c).error(), "c2s: domain \"Example.org\" must be written as \"example.org\"");
  c.hosts.back().domain = "example.org";
  c.hosts.push_back(c.hosts.back());
  EXPECT_FALSE(validate(c));
  c.hosts.pop_back();
  c.offer_starttls = false;
  EXPECT_FALSE(validate(c));
  c.require_tls = false;
  EXPECT_TRUE(validate(c));
}

}  // namespace
}  // namespace confab::xmpp::test
