// The c2s session's SASL negotiation (RFC 6120 §6) over confab_sasl.
#include <gtest/gtest.h>

#include "c2s_test_util.hpp"

namespace confab::xmpp::test {
namespace {

// A connection that is already TLS and has sent its header.
Harness& tls_stream(Harness& h) {
  h.start({.id = 1, .source = {}, .tls = true, .bindings = {}});
  h.open();
  return h;
}

TEST(C2sAuth, TheWholeNegotiationOfRfc6120Section9) {
  Harness h;
  h.start();
  h.open();
  h.starttls();
  h.open();
  Element success = h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  ASSERT_TRUE(success.is("success", ns::sasl));
  EXPECT_FALSE(success.text().empty());  // v=, checked by the client in scram()
  EXPECT_TRUE(h.session->is_authenticated());
  EXPECT_EQ(h.session->account()->str(), "juliet@example.org");
  Element features = h.open();
  EXPECT_EQ(child_names(features), "bind session sm");
  EXPECT_NE(features.child("session", ns::session)->child("optional", ns::session), nullptr);
  Element bound = h.bind("balcony");
  EXPECT_EQ(bound.attribute("type"), "result");
  EXPECT_EQ(bound.attribute("id"), "bind_1");
  EXPECT_EQ(bound.child("bind", ns::bind)->child_text("jid", ns::bind), "juliet@example.org/balcony");
  EXPECT_TRUE(h.session->is_established());
  EXPECT_EQ(h.session->bound_jid()->str(), "juliet@example.org/balcony");

  auto e1 = h.session->poll_event();
  ASSERT_TRUE(e1);
  EXPECT_EQ(std::get<AuthSucceeded>(*e1).account.str(), "juliet@example.org");
  EXPECT_EQ(std::get<AuthSucceeded>(*e1).mechanism, sasl::Mechanism::scram_sha256);
  auto e2 = h.session->poll_event();
  ASSERT_TRUE(e2);
  EXPECT_EQ(std::get<ResourceBound>(*e2).jid.str(), "juliet@example.org/balcony");
  EXPECT_FALSE(h.session->poll_event());

  const C2sCounters& c = h.session->counters();
  EXPECT_EQ(c.streams, 3u);
  EXPECT_EQ(c.auth_successes, 1u);
  EXPECT_EQ(c.binds, 1u);
  EXPECT_EQ(c.stream_errors, 0u);
}

TEST(C2sAuth, ScramSha1AndChannelBindingWork) {
  {
    Harness h;
    tls_stream(h);
    EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha1, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  }
  {
    Harness h;
    h.start();
    h.open();
    h.starttls({{"tls-exporter", exporter_data}});
    h.open();
    EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256_plus, "juliet", "r0m30myr0m30",
                        {sasl::Gs2Flag::p, {"tls-exporter", exporter_data}})
                    .is("success", ns::sasl));
  }
}

TEST(C2sAuth, PlainWorksOverTls) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         b64(std::string("\0juliet\0r0m30myr0m30", 20)) + "</auth>");
  Element success = h.next_element();
  EXPECT_TRUE(success.is("success", ns::sasl));
  EXPECT_TRUE(success.text().empty());
  EXPECT_EQ(h.session->account()->str(), "juliet@example.org");
}

TEST(C2sAuth, PlainIsRefusedWithoutTls) {
  Harness h;
  h.config.require_tls = false;
  h.start();
  h.open();
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         b64(std::string("\0juliet\0r0m30myr0m30", 20)) + "</auth>");
  Element failure = h.next_element();
  EXPECT_TRUE(failure.is("failure", ns::sasl));
  EXPECT_EQ(child_names(failure), "encryption-required");
  EXPECT_FALSE(h.session->is_authenticated());
}

TEST(C2sAuth, ScramWithoutTlsWorksWhenTlsIsNotRequired) {
  Harness h;
  h.config.require_tls = false;
  h.start();
  h.open();
  EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
}

TEST(C2sAuth, AuthBeforeRequiredTlsIsEncryptionRequired) {
  Harness h;
  h.start();
  h.open();
  Element failure = h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  EXPECT_TRUE(failure.is("failure", ns::sasl));
  EXPECT_EQ(child_names(failure), "encryption-required");
  EXPECT_EQ(h.accounts.lookups, 0);
}

TEST(C2sAuth, AWrongPasswordFailsAndMayBeRetried) {
  Harness h;
  tls_stream(h);
  Element failure = h.scram(sasl::Mechanism::scram_sha256, "juliet", "wrong");
  EXPECT_TRUE(failure.is("failure", ns::sasl));
  EXPECT_EQ(child_names(failure), "not-authorized");
  EXPECT_EQ(failure.child("text", ns::sasl), nullptr);  // nothing that tells users apart
  auto event = h.session->poll_event();
  ASSERT_TRUE(event);
  EXPECT_EQ(std::get<AuthFailed>(*event).failure.reason, sasl::Reason::invalid_proof);
  EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
}

TEST(C2sAuth, AnUnknownUserFailsLikeAWrongPassword) {
  Harness h;
  tls_stream(h);
  Element failure = h.scram(sasl::Mechanism::scram_sha256, "nobody", "r0m30myr0m30");
  EXPECT_EQ(child_names(failure), "not-authorized");
  EXPECT_EQ(std::get<AuthFailed>(*h.session->poll_event()).failure.reason, sasl::Reason::unknown_user);
}

TEST(C2sAuth, TooManyFailuresEndTheStreamWithPolicyViolation) {
  Harness h;
  tls_stream(h);
  // sasl::ServerConfig::max_attempts_per_stream = 3 (§6.4.5: 2 to 5).
  EXPECT_EQ(child_names(h.scram(sasl::Mechanism::scram_sha256, "juliet", "a")), "not-authorized");
  EXPECT_EQ(child_names(h.scram(sasl::Mechanism::scram_sha256, "juliet", "b")), "not-authorized");
  EXPECT_FALSE(h.session->wants_close());
  EXPECT_EQ(child_names(h.scram(sasl::Mechanism::scram_sha256, "juliet", "c")), "not-authorized");
  EXPECT_EQ(h.next_stream_error(), "policy-violation");
  EXPECT_EQ(h.session->counters().auth_failures, 3u);
}

TEST(C2sAuth, AnUnofferedMechanismIsInvalidMechanism) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='DIGEST-MD5'/>");
  EXPECT_EQ(child_names(h.next_element()), "invalid-mechanism");
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");  // no mechanism at all
  EXPECT_EQ(child_names(h.next_element()), "invalid-mechanism");
}

TEST(C2sAuth, BadBase64IsIncorrectEncoding) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>not base64!</auth>");
  EXPECT_EQ(child_names(h.next_element()), "incorrect-encoding");
  // And in a response, which also ends the exchange.
  sasl::ScramClient client(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>" + b64(*client.client_first(h.rng)) +
         "</auth>");
  EXPECT_TRUE(h.next_element().is("challenge", ns::sasl));
  h.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>%%%</response>");
  EXPECT_EQ(child_names(h.next_element()), "incorrect-encoding");
  h.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64("c=biws,r=x,p=x") + "</response>");
  EXPECT_EQ(child_names(h.next_element()), "malformed-request");  // out of sequence now
  // None of these tested a password: the stream stays open (only wrong
  // credentials count toward the retry limit; the rest have a looser cap).
  EXPECT_TRUE(h.nothing_more());
  EXPECT_FALSE(h.session->wants_close());
}

TEST(C2sAuth, AnEmptyAuthGetsAnEmptyChallenge) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'/>");
  Element challenge = h.next_element();
  EXPECT_TRUE(challenge.is("challenge", ns::sasl));
  EXPECT_TRUE(challenge.children.empty());
  sasl::ScramClient client(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  h.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" + b64(*client.client_first(h.rng)) + "</response>");
  Element server_first = h.next_element();
  ASSERT_TRUE(server_first.is("challenge", ns::sasl));
  h.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
         b64(*client.handle_server_first(unb64(server_first.text()))) + "</response>");
  EXPECT_TRUE(h.next_element().is("success", ns::sasl));
}

TEST(C2sAuth, AbortIsAnsweredWithAborted) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'/>");
  h.next_element();
  h.send("<abort xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  EXPECT_EQ(child_names(h.next_element()), "aborted");
  EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
}

TEST(C2sAuth, AStoreFailureIsATemporaryFailure) {
  Harness h;
  tls_stream(h);
  h.accounts.broken = true;
  EXPECT_EQ(child_names(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30")), "temporary-auth-failure");
}

TEST(C2sAuth, AClientMayPipelineItsNewHeaderAfterTheLastResponse) {
  Harness h;
  tls_stream(h);
  sasl::ScramClient client(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-256'>" + b64(*client.client_first(h.rng)) +
         "</auth>");
  Element challenge = h.next_element();
  // The final response and the restarted stream's header in one write.
  h.send("<response xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>" +
         b64(*client.handle_server_first(unb64(challenge.text()))) + "</response>" + stream_open);
  EXPECT_TRUE(h.next_element().is("success", ns::sasl));
  h.next_header();
  EXPECT_EQ(child_names(h.next_element()), "bind session sm");
}

TEST(C2sAuth, AuthzidOfTheAccountItselfIsAccepted) {
  Harness h;
  tls_stream(h);
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
         b64(std::string("juliet@example.org\0juliet\0r0m30myr0m30", 38)) + "</auth>");
  EXPECT_TRUE(h.next_element().is("success", ns::sasl));
  EXPECT_EQ(h.session->account()->str(), "juliet@example.org");
}

TEST(C2sAuth, AccountNamesAreCaseFoldedIntoTheJid) {
  Harness h;
  h.accounts.add("Romeo", "pw-of-romeo");  // the store's spelling is what SASL sees
  tls_stream(h);
  EXPECT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "Romeo", "pw-of-romeo").is("success", ns::sasl));
  EXPECT_EQ(h.session->account()->str(), "romeo@example.org");
}

TEST(C2sAuth, SaslAfterAuthenticationIsNotAcceptedAsAStanza) {
  Harness h;
  tls_stream(h);
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  h.open();
  h.send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>");
  EXPECT_EQ(h.next_stream_error(), "unsupported-stanza-type");
}

TEST(C2sAuth, TheLimiterLocksOutAGuessingSource) {
  Harness h;
  h.limiter = sasl::AuthLimiter({.per_source = {2, std::chrono::minutes(10), std::chrono::minutes(1), std::chrono::hours(1)},
                                 .per_account = {100, std::chrono::minutes(10), std::chrono::seconds(30), std::chrono::minutes(15)},
                                 .max_entries = 64});
  tls_stream(h);
  h.scram(sasl::Mechanism::scram_sha256, "juliet", "a");
  h.scram(sasl::Mechanism::scram_sha256, "juliet", "b");
  // Locked: even the right password fails now, without a salt being shown.
  Element failure = h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30");
  EXPECT_EQ(child_names(failure), "temporary-auth-failure");
  h.session->poll_event();
  h.session->poll_event();
  EXPECT_EQ(std::get<AuthFailed>(*h.session->poll_event()).failure.reason, sasl::Reason::too_many_failures);
}

}  // namespace
}  // namespace confab::xmpp::test
