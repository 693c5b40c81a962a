// Resource binding on a c2s session (RFC 6120 §7) through the ResourceBinder.
#include <gtest/gtest.h>

#include "c2s_test_util.hpp"

namespace confab::xmpp::test {
namespace {

// Authenticated, restarted, features read: ready to bind.
void authenticated(Harness& h) {
  h.start({.id = 42, .source = {}, .tls = true, .bindings = {}});
  h.open();
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  h.open();
}

TEST(C2sBind, BindsTheRequestedResourceAfterResourceprep) {
  Harness h;
  authenticated(h);
  Element result = h.bind("Balcony \xe2\x85\xa3");  // Ⅳ → IV (NFKC), case kept
  EXPECT_EQ(result.attribute("type"), "result");
  ASSERT_EQ(h.binder.calls.size(), 1u);
  EXPECT_EQ(h.binder.calls[0].session, 42u);
  EXPECT_EQ(h.binder.calls[0].account.str(), "juliet@example.org");
  EXPECT_EQ(h.binder.calls[0].requested, "Balcony IV");
  EXPECT_EQ(h.session->bound_jid()->str(), "juliet@example.org/Balcony IV");
}

TEST(C2sBind, WithoutAResourceTheServerPicksOne) {
  for (std::string bind : {"<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>",
                           "<bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource/></bind>"}) {
    Harness h;
    authenticated(h);
    h.send("<iq type='set' id='b1'>" + bind + "</iq>");
    Element result = h.next_element();
    EXPECT_EQ(result.attribute("type"), "result");
    EXPECT_EQ(h.binder.calls.at(0).requested, "");
    EXPECT_EQ(result.child("bind", ns::bind)->child_text("jid", ns::bind), "juliet@example.org/gen1");
  }
}

TEST(C2sBind, AConflictIsAStanzaErrorAndTheClientMayTryAgain) {
  Harness h;
  authenticated(h);
  h.binder.next_error = BindError{BindError::Kind::conflict, "taken"};
  Element error = h.bind("balcony");
  EXPECT_EQ(error.attribute("type"), "error");
  EXPECT_EQ(error.attribute("id"), "bind_1");
  EXPECT_EQ(stanza_error_of(error), "cancel conflict");
  EXPECT_EQ(error.child("error")->child_text("text", ns::stanza_errors), "taken");
  EXPECT_FALSE(h.session->is_established());
  EXPECT_EQ(h.session->counters().bind_errors, 1u);
  EXPECT_EQ(h.bind("orchard").attribute("type"), "result");
  EXPECT_TRUE(h.session->is_established());
}

TEST(C2sBind, BinderRefusalsMapToTheirStanzaErrors) {
  Harness h;
  authenticated(h);
  h.binder.next_error = BindError{BindError::Kind::not_allowed, {}};
  EXPECT_EQ(stanza_error_of(h.bind("a")), "cancel not-allowed");
  h.binder.next_error = BindError{BindError::Kind::resource_constraint, {}};
  EXPECT_EQ(stanza_error_of(h.bind("b")), "wait resource-constraint");
}

TEST(C2sBind, AResourceResourceprepRefusesIsBadRequest) {
  Harness h;
  authenticated(h);
  EXPECT_EQ(stanza_error_of(h.bind("a\xc2\x85" "b")), "modify bad-request");
  EXPECT_TRUE(h.binder.calls.empty());
}

TEST(C2sBind, BindMustBeASet) {
  Harness h;
  authenticated(h);
  h.send("<iq type='get' id='g'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>");
  EXPECT_EQ(stanza_error_of(h.next_element()), "modify bad-request");
}

TEST(C2sBind, AStanzaBeforeBindingIsNotAuthorized) {
  Harness h;
  authenticated(h);
  h.send("<message to='romeo@example.net'><body>too soon</body></message>");
  EXPECT_EQ(h.next_stream_error(), "not-authorized");
  EXPECT_TRUE(h.inbound().empty());
}

TEST(C2sBind, ASecondBindIsNotAllowed) {
  Harness h;
  h.establish();
  EXPECT_EQ(stanza_error_of(h.bind("other")), "cancel not-allowed");
  EXPECT_EQ(h.binder.calls.size(), 1u);
  EXPECT_EQ(h.session->bound_jid()->resource(), "balcony");
}

TEST(C2sBind, TheOldSessionRequestIsAnsweredWithAResult) {
  Harness h;
  h.establish();
  h.send("<iq type='set' id='sess_1'><session xmlns='urn:ietf:params:xml:ns:xmpp-session'/></iq>");
  Element result = h.next_element();
  EXPECT_EQ(result.attribute("type"), "result");
  EXPECT_EQ(result.attribute("id"), "sess_1");
  EXPECT_EQ(result.attribute("from"), "example.org");
  EXPECT_TRUE(h.inbound().empty());  // not the router's business
}

TEST(C2sBind, ABinderAnswerForAnotherAccountIsAnInternalError) {
  struct Liar final : ResourceBinder {
    Result<Jid, BindError> bind(std::uint64_t, const Jid&, std::string_view) override {
      return *Jid::parse("romeo@example.org/x");
    }
  } liar;
  Harness h;
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.session = std::make_unique<C2sSession>(
      h.config, C2sConnection{.id = 1, .source = {}, .tls = true, .bindings = {}},
      [&](std::string_view, std::string_view u, sasl::ScramMechanism m) { return h.accounts.lookup()(u, m); }, liar,
      h.rng, nullptr, h.now);
  h.open();
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  h.open();
  EXPECT_EQ(stanza_error_of(h.bind("x")), "cancel internal-server-error");
  EXPECT_FALSE(h.session->is_established());
}

}  // namespace
}  // namespace confab::xmpp::test
