// XEP-0114's accept side, sans-I/O: a scripted component writes what
// slixmpp's ComponentXMPP would, and reads the session's output with a
// StreamParser of its own.
#include <gtest/gtest.h>

#include <set>

#include "core/rng.hpp"
#include "xmpp/component_session.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {
namespace {

using namespace std::chrono_literals;

constexpr std::string_view domain = "echo.example.org";
constexpr std::string_view secret = "s3cret-for-echo";

std::string header_to(std::string_view to) {
  return "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' "
         "xmlns:stream='http://etherx.jabber.org/streams' to='" +
         std::string(to) + "'>";
}

class Directory final : public ComponentBinder {
 public:
  std::set<std::string> taken;
  bool claim_component(std::uint64_t, const std::string& d) override { return taken.insert(d).second; }
};

class ComponentSessionTest : public ::testing::Test {
 protected:
  static ComponentConfig config() {
    ComponentConfig c;
    c.components = {{std::string(domain), std::string(secret)}, {"other.example.org", "another-secret"}};
    return c;
  }

  std::unique_ptr<ComponentSession> connect(const char* source = "127.0.0.1") {
    reader = StreamParser(StreamParserOptions{{}, std::string(ns::component_accept)});
    stream_id.clear();
    return std::make_unique<ComponentSession>(cfg, ComponentConnection{++next_id, *IpAddress::parse(source)},
                                              directory, rng, &limiter, now);
  }

  // Everything the session wrote since the last look, as the component
  // parses it: the header's id is kept; elements as XML text; "ERROR x" for
  // a stream error, "CLOSED" for our close tag.
  std::vector<std::string> read(ComponentSession& s) {
    while (auto out = s.poll_output()) reader.feed(*out);
    std::vector<std::string> got;
    while (auto e = reader.poll_event()) {
      if (auto* h = std::get_if<StreamHeader>(&*e)) {
        stream_id = h->id.value_or("");
        got.push_back("HEADER from=" + h->from.value_or("") + (h->version ? " version" : ""));
      } else if (auto* el = std::get_if<Element>(&*e)) {
        if (el->is("error", ns::streams)) {
          for (const Element* c : el->elements())
            if (c->ns == ns::stream_errors && c->name != "text") got.push_back("ERROR " + c->name);
        } else {
          got.push_back(serialize(*el, Scope{std::string(ns::component_accept), {}}));
        }
      } else if (std::holds_alternative<StreamClosed>(*e)) {
        got.push_back("CLOSED");
      }
    }
    return got;
  }

  std::unique_ptr<ComponentSession> connected() {
    auto s = connect();
    s->handle_bytes(now, header_to(domain));
    read(*s);
    s->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, secret) + "</handshake>");
    EXPECT_EQ(read(*s), std::vector<std::string>{"<handshake/>"});
    EXPECT_TRUE(s->is_connected());
    return s;
  }

  ComponentConfig cfg = config();
  Directory directory;
  SeededRng rng{3};
  sasl::AuthLimiter limiter{sasl::AuthLimiterConfig{{2, 10min, 1min, 1h}, {0, 10min, 1min, 1h}, 100}};
  Instant now{};
  std::uint64_t next_id = 0;
  StreamParser reader;
  std::string stream_id;
};

using Lines = std::vector<std::string>;

TEST(ComponentHandshake, DigestIsLowercaseHexSha1OfIdAndSecret) {
  // hashlib.sha1(b"3BF96D32" + b"secret").hexdigest()
  EXPECT_EQ(ComponentSession::handshake_digest("3BF96D32", "secret"), "b09ea9b3b7f586be8a08d0a3dd7466f110aeb136");
}

TEST_F(ComponentSessionTest, HandshakeWithTheRightSecretConnects) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  EXPECT_EQ(read(*s), Lines{"HEADER from=echo.example.org"});  // no version, no features (XEP-0114)
  EXPECT_EQ(stream_id.size(), 32u);
  // Uppercase digits and whitespace around them are forgiven.
  std::string digest = ComponentSession::handshake_digest(stream_id, secret);
  for (char& c : digest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s->handle_bytes(now, "<handshake>\n " + digest + "\n</handshake>");
  EXPECT_EQ(read(*s), Lines{"<handshake/>"});
  EXPECT_TRUE(s->is_connected());
  EXPECT_EQ(s->domain(), domain);
  EXPECT_TRUE(directory.taken.count(std::string(domain)));
  EXPECT_FALSE(s->poll_timeout());
  auto e = s->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<ComponentConnected>(*e).domain, domain);
  EXPECT_EQ(s->counters().handshakes, 1u);
}

TEST_F(ComponentSessionTest, EveryStreamHasItsOwnId) {
  auto a = connect();
  a->handle_bytes(now, header_to(domain));
  read(*a);
  const std::string first = stream_id;
  auto b = connect();
  b->handle_bytes(now, header_to(domain));
  read(*b);
  EXPECT_NE(first, stream_id);
}

TEST_F(ComponentSessionTest, WrongSecretIsNotAuthorizedAndCounted) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  read(*s);
  s->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, "wrong") + "</handshake>");
  EXPECT_EQ(read(*s), (Lines{"ERROR not-authorized", "CLOSED"}));
  EXPECT_TRUE(s->wants_close());
  EXPECT_FALSE(s->is_connected());
  EXPECT_TRUE(directory.taken.empty());
  EXPECT_EQ(s->counters().handshake_failures, 1u);
  auto e = s->poll_event();
  ASSERT_TRUE(e);
  EXPECT_EQ(std::get<ComponentHandshakeFailed>(*e).reason, "wrong secret");
}

TEST_F(ComponentSessionTest, AnEmptyOrTruncatedHandshakeIsRefused) {
  for (std::string text : {std::string(), std::string("abc"), std::string(41, 'a')}) {
    auto s = connect("192.0.2.1");
    s->handle_bytes(now, header_to(domain));
    read(*s);
    s->handle_bytes(now, "<handshake>" + text + "</handshake>");
    EXPECT_EQ(read(*s), (Lines{"ERROR not-authorized", "CLOSED"})) << text;
    now += 11min;  // past the failure window: no lockout between cases
  }
}

TEST_F(ComponentSessionTest, TheSecretOfAnotherComponentDoesNotWork) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  read(*s);
  s->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, "another-secret") + "</handshake>");
  EXPECT_EQ(read(*s), (Lines{"ERROR not-authorized", "CLOSED"}));
}

TEST_F(ComponentSessionTest, UnknownOrMissingDomainIsHostUnknown) {
  for (std::string h : {header_to("nope.example.org"), header_to("bot@echo.example.org"),
                        std::string("<stream:stream xmlns='jabber:component:accept' "
                                    "xmlns:stream='http://etherx.jabber.org/streams'>")}) {
    auto s = connect();
    s->handle_bytes(now, h);
    EXPECT_EQ(read(*s), (Lines{"HEADER from=", "ERROR host-unknown", "CLOSED"})) << h;
  }
}

TEST_F(ComponentSessionTest, TheClientNamespaceIsRefused) {
  auto s = connect();
  s->handle_bytes(now, "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
                       "to='echo.example.org'>");
  auto got = read(*s);
  ASSERT_GE(got.size(), 2u);
  EXPECT_EQ(got[got.size() - 2], "ERROR invalid-namespace");
  EXPECT_EQ(s->counters().xml_errors, 1u);
}

TEST_F(ComponentSessionTest, ASecondConnectionForTheDomainIsAConflict) {
  auto first = connected();
  auto second = connect();
  second->handle_bytes(now, header_to(domain));
  read(*second);
  second->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, secret) + "</handshake>");
  EXPECT_EQ(read(*second), (Lines{"ERROR conflict", "CLOSED"}));
  EXPECT_EQ(second->counters().conflicts, 1u);
  EXPECT_TRUE(first->is_connected());
}

TEST_F(ComponentSessionTest, StanzasBeforeTheHandshakeAreNotAuthorized) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain) +
                           "<message from='bot@echo.example.org' to='alice@example.org'><body>x</body></message>");
  EXPECT_EQ(read(*s), (Lines{"HEADER from=echo.example.org", "ERROR not-authorized", "CLOSED"}));
  EXPECT_FALSE(s->poll_inbound());
}

TEST_F(ComponentSessionTest, TooManyFailuresLockTheAddressOut) {
  for (int i = 0; i < 2; ++i) {
    auto s = connect("192.0.2.7");
    s->handle_bytes(now, header_to(domain));
    read(*s);
    s->handle_bytes(now, "<handshake>" + std::string(40, '0') + "</handshake>");
    EXPECT_EQ(read(*s), (Lines{"ERROR not-authorized", "CLOSED"}));
  }
  // Now even the right secret is refused from that address...
  auto locked = connect("192.0.2.7");
  locked->handle_bytes(now, header_to(domain));
  read(*locked);
  locked->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, secret) + "</handshake>");
  EXPECT_EQ(read(*locked), (Lines{"ERROR policy-violation", "CLOSED"}));
  EXPECT_EQ(locked->counters().locked_out, 1u);
  // ...but not from another one, nor from that one once the lockout ends.
  auto elsewhere = connected();
  EXPECT_TRUE(elsewhere->is_connected());
  directory.taken.clear();
  now += 2min;
  auto later = connect("192.0.2.7");
  later->handle_bytes(now, header_to(domain));
  read(*later);
  later->handle_bytes(now, "<handshake>" + ComponentSession::handshake_digest(stream_id, secret) + "</handshake>");
  EXPECT_EQ(read(*later), Lines{"<handshake/>"});
}

TEST_F(ComponentSessionTest, NoHandshakeInTimeIsAConnectionTimeout) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  read(*s);
  ASSERT_TRUE(s->poll_timeout());
  EXPECT_EQ(*s->poll_timeout(), now + 30s);
  s->handle_timeout(now + 29s);
  EXPECT_FALSE(s->wants_close());
  s->handle_timeout(now + 30s);
  EXPECT_EQ(read(*s), (Lines{"ERROR connection-timeout", "CLOSED"}));
  EXPECT_EQ(s->counters().timeouts, 1u);
}

TEST_F(ComponentSessionTest, AHugeHandshakeIsAPolicyViolation) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  read(*s);
  s->handle_bytes(now, "<handshake>" + std::string(5000, 'a') + "</handshake>");
  EXPECT_EQ(read(*s), (Lines{"ERROR policy-violation", "CLOSED"}));
}

TEST_F(ComponentSessionTest, StanzasFromTheComponentGoOnInJabberClient) {
  auto s = connected();
  // Large stanzas are fine once connected (the limit before is 4 KiB).
  const std::string body(20000, 'x');
  s->handle_bytes(now, "<message from='Bot@Echo.Example.org/r' to='alice@example.org' id='m1'><body>" + body +
                           "</body></message><presence from='echo.example.org' to='alice@example.org/phone'/>");
  auto m = s->poll_inbound();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->ns, ns::client);
  EXPECT_EQ(m->attribute("from"), "bot@echo.example.org/r");  // canonical
  ASSERT_TRUE(m->child("body", ns::client));
  EXPECT_EQ(m->child("body", ns::client)->text(), body);
  auto p = s->poll_inbound();
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is("presence", ns::client));
  EXPECT_FALSE(s->poll_inbound());
  EXPECT_EQ(s->counters().stanzas_in, 2u);
}

TEST_F(ComponentSessionTest, AFromOutsideItsDomainIsInvalidFrom) {
  for (std::string from : {"alice@example.org", "sub.echo.example.org", "bot@other.example.org"}) {
    directory.taken.clear();
    auto s = connected();
    s->handle_bytes(now, "<message from='" + from + "' to='alice@example.org'><body>x</body></message>");
    EXPECT_EQ(read(*s), (Lines{"ERROR invalid-from", "CLOSED"})) << from;
    EXPECT_FALSE(s->poll_inbound());
  }
}

TEST_F(ComponentSessionTest, MissingAddressesAreImproperAddressing) {
  for (std::string st : {"<message to='alice@example.org'/>", "<iq from='echo.example.org' type='get' id='1'/>"}) {
    directory.taken.clear();
    auto s = connected();
    s->handle_bytes(now, st);
    EXPECT_EQ(read(*s), (Lines{"ERROR improper-addressing", "CLOSED"})) << st;
  }
}

TEST_F(ComponentSessionTest, AMalformedToGetsJidMalformed) {
  auto s = connected();
  s->handle_bytes(now, "<iq from='echo.example.org' to='a@b@c' type='get' id='q1'><ping xmlns='urn:xmpp:ping'/></iq>");
  EXPECT_EQ(read(*s), Lines{"<iq from='a@b@c' to='echo.example.org' id='q1' type='error'><error type='modify'>"
                            "<jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>'to' is not a valid JID</text>"
                            "</error></iq>"});
  EXPECT_FALSE(s->poll_inbound());
  EXPECT_TRUE(s->is_connected());
}

TEST_F(ComponentSessionTest, OtherElementsAreUnsupportedStanzaTypes) {
  auto s = connected();
  s->handle_bytes(now, "<handshake/>");
  EXPECT_EQ(read(*s), (Lines{"ERROR unsupported-stanza-type", "CLOSED"}));
}

TEST_F(ComponentSessionTest, OverTheRateRequestsGetResourceConstraint) {
  cfg.stanzas_per_second = 1;
  cfg.stanza_burst = 2;
  auto s = connected();
  auto iq = [](int i) {
    return "<iq from='echo.example.org' to='alice@example.org/phone' type='get' id='q" + std::to_string(i) +
           "'><ping xmlns='urn:xmpp:ping'/></iq>";
  };
  s->handle_bytes(now, iq(1) + iq(2) + iq(3) + "<message from='echo.example.org' to='alice@example.org'/>");
  EXPECT_TRUE(s->poll_inbound());
  EXPECT_TRUE(s->poll_inbound());
  EXPECT_FALSE(s->poll_inbound());
  auto got = read(*s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].find("id='q3' type='error'><error type='wait'><resource-constraint"), std::string::npos) << got[0];
  EXPECT_EQ(s->counters().rate_limited, 2u);
  now += 1s;  // one token back
  s->handle_bytes(now, iq(4));
  EXPECT_TRUE(s->poll_inbound());
}

TEST_F(ComponentSessionTest, StanzasToTheComponentAreWrittenInItsNamespace) {
  auto s = connected();
  Element m("message", std::string(ns::client));
  m.set_attribute("from", "alice@example.org/phone");
  m.set_attribute("to", "echo.example.org");
  Element body("body", std::string(ns::client));
  body.add_text("hi <there>");
  m.add_child(std::move(body));
  s->send(m);
  std::string raw;
  while (auto out = s->poll_output()) raw += *out;
  EXPECT_EQ(raw, "<message from='alice@example.org/phone' to='echo.example.org'><body>hi &lt;there&gt;</body></message>");
  EXPECT_EQ(s->counters().stanzas_out, 1u);
}

TEST_F(ComponentSessionTest, NothingIsSentBeforeTheHandshake) {
  auto s = connect();
  s->handle_bytes(now, header_to(domain));
  read(*s);
  s->send(Element("message", std::string(ns::client)));
  EXPECT_TRUE(read(*s).empty());
  EXPECT_EQ(s->counters().dropped_out, 1u);
}

TEST_F(ComponentSessionTest, TheComponentsCloseIsAnswered) {
  auto s = connected();
  s->handle_bytes(now, "</stream:stream>");
  EXPECT_EQ(read(*s), Lines{"CLOSED"});
  EXPECT_TRUE(s->wants_close());
}

TEST_F(ComponentSessionTest, ShutdownSendsSystemShutdown) {
  auto s = connected();
  s->close(StreamErrorCondition::system_shutdown, "bye");
  EXPECT_EQ(read(*s), (Lines{"ERROR system-shutdown", "CLOSED"}));
}

TEST_F(ComponentSessionTest, BytesAfterTheCloseAreIgnored) {
  auto s = connected();
  s->close();
  read(*s);
  s->handle_bytes(now, "<message from='echo.example.org' to='alice@example.org'/>");
  EXPECT_FALSE(s->poll_inbound());
  EXPECT_TRUE(read(*s).empty());
}

TEST(ComponentConfigTest, ValidateNamesTheProblem) {
  ComponentConfig c;
  EXPECT_FALSE(validate(c));
  c.components = {{"echo.example.org", "x"}};
  EXPECT_TRUE(validate(c));
  c.components.push_back({"echo.example.org", "y"});
  EXPECT_NE(validate(c).error().find("listed twice"), std::string::npos);
  c.components = {{"Echo.example.org", "x"}};
  EXPECT_NE(validate(c).error().find("canonical"), std::string::npos);
  c.components = {{"bot@echo.example.org", "x"}};
  EXPECT_NE(validate(c).error().find("not a bare domain"), std::string::npos);
  c.components = {{"echo.example.org", ""}};
  EXPECT_NE(validate(c).error().find("secret"), std::string::npos);
}

}  // namespace
}  // namespace confab::xmpp
