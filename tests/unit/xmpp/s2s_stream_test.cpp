// One server-to-server stream, sans-I/O, against a scripted peer: what a
// remote server (Prosody, ejabberd) writes, fed a byte at a time, and what
// the stream writes back, read with a parser of our own.
#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/s2s_dialback.hpp"
#include "xmpp/s2s_stream.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {
namespace {

constexpr std::string_view peer_header =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
    "xmlns:stream='http://etherx.jabber.org/streams' from='b.test' to='a.test' version='1.0'>";

class S2sStreamTest : public ::testing::Test {
 protected:
  S2sStreamTest() {
    cfg.domains = {"a.test"};
    cfg.secret = Bytes{1, 2, 3, 4};
  }

  // Feeds `bytes` one at a time, as a slow network would.
  void feed(S2sStream& s, std::string_view bytes) {
    for (char c : bytes) s.handle_bytes(now, std::string_view(&c, 1));
  }

  // What the stream wrote, as the peer parses it: "HEADER id", elements as
  // XML text, "ERROR condition", "CLOSED".
  std::vector<std::string> read(S2sStream& s) {
    while (auto out = s.poll_output()) reader.feed(*out);
    std::vector<std::string> got;
    while (auto e = reader.poll_event()) {
      if (auto* h = std::get_if<StreamHeader>(&*e)) {
        our_id = h->id.value_or("");
        got.push_back("HEADER from=" + h->from.value_or("") + " to=" + h->to.value_or(""));
      } else if (auto* el = std::get_if<Element>(&*e)) {
        if (el->is("error", ns::streams)) {
          got.push_back("ERROR " + (el->elements().empty() ? std::string() : el->elements().front()->name));
        } else {
          got.push_back(serialize(*el, Scope{"jabber:server", {{"stream", std::string(ns::streams)},
                                                               {"db", std::string(ns::dialback)}}}));
        }
      } else if (std::holds_alternative<StreamClosed>(*e)) {
        got.push_back("CLOSED");
      }
    }
    return got;
  }

  std::vector<std::string> events(S2sStream& s) {
    std::vector<std::string> got;
    while (auto e = s.poll_event()) {
      if (std::holds_alternative<S2sStartTls>(*e)) got.push_back("starttls");
      else if (std::holds_alternative<S2sReady>(*e)) got.push_back("ready");
      else if (std::holds_alternative<S2sAuthenticated>(*e)) got.push_back("authenticated");
      else if (auto* v = std::get_if<S2sVerifyNeeded>(&*e)) got.push_back("verify " + v->remote + "->" + v->local + " " + v->key);
      else if (auto* a = std::get_if<S2sVerifyAnswered>(&*e)) got.push_back(std::string("answered ") + (a->valid ? "valid" : "invalid"));
      else if (auto* c = std::get_if<S2sClosed>(&*e)) got.push_back("closed " + c->reason);
    }
    return got;
  }

  // A new stream header after TLS: the reader starts over too.
  void restart_reader() { reader = StreamParser(StreamParserOptions{{}, std::string(ns::server)}); }

  S2sConfig cfg;
  SeededRng rng{3};
  Instant now{};
  StreamParser reader{StreamParserOptions{{}, std::string(ns::server)}};
  std::string our_id;
};

using Lines = std::vector<std::string>;

TEST_F(S2sStreamTest, IncomingStreamOffersTlsThenVerifiesDialbackAndAcceptsStanzas) {
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  EXPECT_EQ(read(s), (Lines{"HEADER from=a.test to=b.test",
                            "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls>"
                            "<dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback></stream:features>"}));
  feed(s, "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(read(s), Lines{"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"});
  EXPECT_EQ(events(s), Lines{"starttls"});
  s.handle_secured(now);
  restart_reader();
  feed(s, peer_header);
  EXPECT_EQ(read(s), (Lines{"HEADER from=a.test to=b.test",
                            "<stream:features><dialback xmlns='urn:xmpp:features:dialback'><errors/></dialback>"
                            "</stream:features>"}));
  feed(s, "<db:result from='b.test' to='a.test'>k3y</db:result>");
  EXPECT_EQ(events(s), Lines{"verify b.test->a.test k3y"});
  // Before the verdict, stanzas are refused... after it, accepted.
  s.dialback_verified("b.test", true);
  EXPECT_EQ(read(s), Lines{"<db:result from='a.test' to='b.test' type='valid'/>"});
  feed(s, "<message from='bob@b.test/pc' to='alice@a.test' type='chat'><body>hi</body></message>");
  auto st = s.poll_inbound();
  ASSERT_TRUE(st);
  EXPECT_EQ(st->ns, ns::client);
  EXPECT_EQ(serialize(*st, Scope{"jabber:client", {}}),
            "<message from='bob@b.test/pc' to='alice@a.test' type='chat'><body>hi</body></message>");
}

TEST_F(S2sStreamTest, StanzasFromAnUnauthenticatedDomainAreInvalidFrom) {
  cfg.require_tls = false;
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  feed(s, "<db:result from='b.test' to='a.test'>k3y</db:result>");
  s.dialback_verified("b.test", true);
  read(s);
  feed(s, "<message from='mallory@c.test' to='alice@a.test'><body>spoof</body></message>");
  EXPECT_EQ(read(s), (Lines{"ERROR invalid-from", "CLOSED"}));
  EXPECT_FALSE(s.poll_inbound());
  EXPECT_EQ(s.counters().invalid_from, 1u);
}

TEST_F(S2sStreamTest, StanzasBeforeDialbackAreNotAuthorized) {
  cfg.require_tls = false;
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  read(s);
  feed(s, "<message from='bob@b.test' to='alice@a.test'/>");
  EXPECT_EQ(read(s), (Lines{"ERROR not-authorized", "CLOSED"}));
}

TEST_F(S2sStreamTest, DialbackWithoutTlsIsRefusedWhenTlsIsRequired) {
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  read(s);
  feed(s, "<db:result from='b.test' to='a.test'>k3y</db:result>");
  EXPECT_EQ(read(s), (Lines{"ERROR policy-violation", "CLOSED"}));
}

TEST_F(S2sStreamTest, AnotherDomainIsHostUnknown) {
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s,
       "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' to='c.test' "
       "version='1.0'>");
  EXPECT_EQ(read(s), (Lines{"HEADER from= to=", "ERROR host-unknown", "CLOSED"}));
}

TEST_F(S2sStreamTest, BadXmlIsAStreamErrorAndCounted) {
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  read(s);
  feed(s, "<message><<");
  EXPECT_EQ(read(s), (Lines{"ERROR not-well-formed", "CLOSED"}));
  EXPECT_EQ(s.counters().xml_errors, 1u);
  EXPECT_TRUE(s.wants_close());
}

TEST_F(S2sStreamTest, IncomingAnswersDbVerifyFromOurSecret) {
  cfg.require_tls = false;
  S2sStream s(cfg, S2sStream::incoming(), rng, now);
  feed(s, peer_header);
  read(s);
  // b.test received a stream claiming to be a.test with id 'abc': was it us?
  const std::string good = dialback_key(cfg.secret, "b.test", "a.test", "abc");
  feed(s, "<db:verify from='b.test' to='a.test' id='abc'>" + good + "</db:verify>");
  EXPECT_EQ(read(s), Lines{"<db:verify from='a.test' to='b.test' id='abc' type='valid'/>"});
  feed(s, "<db:verify from='b.test' to='a.test' id='abd'>" + good + "</db:verify>");
  EXPECT_EQ(read(s), Lines{"<db:verify from='a.test' to='b.test' id='abd' type='invalid'/>"});
  EXPECT_EQ(s.counters().verify_failed, 1u);
}

TEST_F(S2sStreamTest, OutgoingStreamNegotiatesTlsAndSendsItsKey) {
  S2sStream s(cfg, S2sStream::outgoing("a.test", "b.test"), rng, now);
  EXPECT_EQ(read(s), Lines{"HEADER from=a.test to=b.test"});
  const std::string header =
      "<stream:stream xmlns='jabber:server' xmlns:db='jabber:server:dialback' "
      "xmlns:stream='http://etherx.jabber.org/streams' from='b.test' to='a.test' id='s1' version='1.0'>";
  feed(s, header);
  feed(s, "<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/></stream:features>");
  EXPECT_EQ(read(s), Lines{"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"});
  feed(s, "<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>");
  EXPECT_EQ(events(s), Lines{"starttls"});
  s.handle_secured(now);
  restart_reader();
  EXPECT_EQ(read(s), Lines{"HEADER from=a.test to=b.test"});
  feed(s, header);
  feed(s, "<stream:features><dialback xmlns='urn:xmpp:features:dialback'/></stream:features>");
  const std::string key = dialback_key(cfg.secret, "b.test", "a.test", "s1");
  EXPECT_EQ(read(s), Lines{"<db:result from='a.test' to='b.test'>" + key + "</db:result>"});
  EXPECT_EQ(events(s), Lines{"ready"});
  EXPECT_FALSE(s.send(Element("message", std::string(ns::client))));  // not yet
  feed(s, "<db:result from='b.test' to='a.test' type='valid'/>");
  EXPECT_EQ(events(s), Lines{"authenticated"});
  Element m("message", std::string(ns::client));
  m.set_attribute("from", "alice@a.test/x");
  m.set_attribute("to", "bob@b.test");
  m.add_child(Element("body", std::string(ns::client))).add_text("hi");
  EXPECT_TRUE(s.send(m));
  EXPECT_EQ(read(s), Lines{"<message from='alice@a.test/x' to='bob@b.test'><body>hi</body></message>"});
}

TEST_F(S2sStreamTest, OutgoingWithoutTlsOfferedFailsWhenTlsIsRequired) {
  S2sStream s(cfg, S2sStream::outgoing("a.test", "b.test"), rng, now);
  read(s);
  feed(s,
       "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' id='s1' "
       "version='1.0'><stream:features/>");
  EXPECT_EQ(read(s), (Lines{"ERROR policy-violation", "CLOSED"}));
}

TEST_F(S2sStreamTest, OutgoingRefusedKeyEndsTheStream) {
  cfg.require_tls = false;
  S2sStream s(cfg, S2sStream::outgoing("a.test", "b.test"), rng, now);
  feed(s,
       "<stream:stream xmlns='jabber:server' xmlns:stream='http://etherx.jabber.org/streams' xmlns:db='jabber:server:dialback' "
       "id='s1' version='1.0'><stream:features/><db:result from='b.test' to='a.test' type='invalid'/>");
  auto ev = events(s);
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[1], "closed b.test refused our dialback key");
  EXPECT_TRUE(s.wants_close());
}

}  // namespace
}  // namespace confab::xmpp
