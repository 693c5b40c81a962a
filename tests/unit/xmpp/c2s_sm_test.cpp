// XEP-0198 stream management in the c2s session: enabling, acknowledgements
// both ways, and resuming a session on a new connection after the old one
// dropped — with every stanza the client did not acknowledge sent again.
#include <gtest/gtest.h>

#include "c2s_test_util.hpp"
#include "xmpp/xml_builder.hpp"

using namespace confab;
using namespace confab::xmpp;
using namespace confab::xmpp::test;

namespace {

Element message(int n) {
  return Builder("message", std::string(ns::client))
      .attr("to", "juliet@example.org/balcony")
      .attr("from", "romeo@example.net/orchard")
      .tag("body")
      .text("line " + std::to_string(n))
      .up()
      .build();
}

std::string enable(Harness& h) {
  h.send("<enable xmlns='urn:xmpp:sm:3' resume='true'/>");
  Element enabled = h.next_element();
  EXPECT_TRUE(enabled.is("enabled", ns::sm)) << serialize(enabled);
  EXPECT_EQ(enabled.attribute("resume"), "true");
  auto id = enabled.attribute("id");
  EXPECT_TRUE(id && id->size() >= 16);
  auto event = h.session->poll_event();
  EXPECT_TRUE(event && std::holds_alternative<SmEnabled>(*event));
  return id ? std::string(*id) : std::string();
}

}  // namespace

TEST(C2sSm, IsOfferedAfterAuthentication) {
  Harness h;
  h.establish();
  EXPECT_FALSE(h.session->resumable());
  enable(h);
  EXPECT_TRUE(h.session->resumable());
}

TEST(C2sSm, AnswersAnAckRequestWithTheNumberOfStanzasHandled) {
  Harness h;
  h.establish();
  enable(h);
  h.send("<message to='romeo@example.net'/><presence/><iq type='get' id='1' to='example.org'><ping xmlns='urn:xmpp:ping'/></iq>");
  h.send("<r xmlns='urn:xmpp:sm:3'/>");
  Element a = h.next_element();
  EXPECT_TRUE(a.is("a", ns::sm));
  EXPECT_EQ(a.attribute("h"), "3");
}

TEST(C2sSm, AsksForAnAckEveryFiveStanzasAndForgetsWhatIsAcknowledged) {
  Harness h;
  h.establish();
  enable(h);
  for (int i = 0; i < 5; ++i) h.session->send(message(i));
  h.pump();
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(h.next_element().is("message", ns::client));
  EXPECT_TRUE(h.next_element().is("r", ns::sm));
  h.send("<a xmlns='urn:xmpp:sm:3' h='5'/>");
  EXPECT_FALSE(h.session->wants_close());
  // Acknowledging more than was sent is an error (§4).
  h.send("<a xmlns='urn:xmpp:sm:3' h='9'/>");
  EXPECT_EQ(h.next_stream_error(), "undefined-condition");
}

TEST(C2sSm, EnableBeforeBindingFails) {
  Harness h;
  h.start();
  h.open();
  h.starttls();
  h.open();
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  h.open();
  h.send("<enable xmlns='urn:xmpp:sm:3'/>");
  Element failed = h.next_element();
  EXPECT_TRUE(failed.is("failed", ns::sm));
  EXPECT_EQ(child_names(failed), "unexpected-request");
}

TEST(C2sSm, ADroppedSessionResumesOnANewConnectionAndGetsWhatItMissed) {
  Harness old;
  old.establish();
  const std::string id = enable(old);
  for (int i = 0; i < 3; ++i) old.session->send(message(i));
  old.pump();
  old.send("<a xmlns='urn:xmpp:sm:3' h='1'/>");  // the client saw the first one
  // The connection drops; the router keeps delivering while it is detached.
  ASSERT_TRUE(old.session->resumable());
  old.session->handle_eof(old.now);
  old.session->detach();
  old.session->send(message(3));
  EXPECT_FALSE(old.session->poll_output());  // nothing is written to a dropped connection

  // A new connection: TLS, SASL as the same account, then <resume/>.
  Harness fresh;
  fresh.start(C2sConnection{99, *IpAddress::parse("192.0.2.8"), false, {}});
  fresh.open();
  fresh.starttls();
  fresh.open();
  ASSERT_TRUE(fresh.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  fresh.open();
  fresh.send("<resume xmlns='urn:xmpp:sm:3' previd='" + id + "' h='2'/>");
  ResumeRequested asked;
  bool requested = false;
  while (auto e = fresh.session->poll_event())
    if (auto* r = std::get_if<ResumeRequested>(&*e)) {
      asked = *r;
      requested = true;
    }
  ASSERT_TRUE(requested);
  EXPECT_EQ(asked.previd, id);
  EXPECT_EQ(asked.h, 2u);
  fresh.session->resume_from(*old.session, asked.h);
  fresh.pump();
  Element resumed = fresh.next_element();
  EXPECT_TRUE(resumed.is("resumed", ns::sm)) << serialize(resumed);
  EXPECT_EQ(resumed.attribute("previd"), id);
  // It had handled 2 of 4: lines 2 and 3 come again, nothing else.
  Element again = fresh.next_element();
  EXPECT_EQ(again.child_text("body"), "line 2");
  EXPECT_EQ(fresh.next_element().child_text("body"), "line 3");
  EXPECT_TRUE(fresh.nothing_more());
  EXPECT_TRUE(fresh.session->is_established());
  EXPECT_EQ(fresh.session->bound_jid()->str(), "juliet@example.org/balcony");
  EXPECT_EQ(fresh.session->id(), old.session->id());  // the router's name for it moved over
  EXPECT_EQ(fresh.session->counters().sm_resumed, 1u);
}

TEST(C2sSm, AnUnknownSessionCannotBeResumed) {
  Harness h;
  h.start();
  h.open();
  h.starttls();
  h.open();
  ASSERT_TRUE(h.scram(sasl::Mechanism::scram_sha256, "juliet", "r0m30myr0m30").is("success", ns::sasl));
  h.open();
  h.send("<resume xmlns='urn:xmpp:sm:3' previd='nope' h='0'/>");
  ASSERT_TRUE(h.session->poll_event());
  h.session->resume_failed();
  h.pump();
  Element failed = h.next_element();
  EXPECT_TRUE(failed.is("failed", ns::sm));
  EXPECT_EQ(child_names(failed), "item-not-found");
}

TEST(C2sSm, ACleanCloseIsNotResumable) {
  Harness h;
  h.establish();
  enable(h);
  h.send("</stream:stream>");
  EXPECT_FALSE(h.session->resumable());
}

// XEP-0198 §5: when the session ends for good, what the client never
// acknowledged is handed back (for the router to store or bounce), with
// when each was sent; what it acknowledged is not.
TEST(C2sSm, AnEndedSessionHandsBackOnlyWhatWasNotAcknowledged) {
  Harness h;
  h.establish();
  enable(h);
  const Instant start = h.now;
  for (int i = 0; i < 3; ++i) h.session->send(message(i), start + std::chrono::seconds(i));
  h.pump();
  h.send("<a xmlns='urn:xmpp:sm:3' h='1'/>");
  h.session->handle_eof(h.now);
  h.session->detach();
  h.session->send(message(3), start + std::chrono::seconds(10));  // while detached
  auto unacked = h.session->take_unacked();
  ASSERT_EQ(unacked.size(), 3u);
  EXPECT_EQ(unacked[0].stanza.child_text("body"), "line 1");
  EXPECT_EQ(unacked[0].sent, start + std::chrono::seconds(1));
  EXPECT_EQ(unacked[2].stanza.child_text("body"), "line 3");
  EXPECT_EQ(unacked[2].sent, start + std::chrono::seconds(10));
  EXPECT_TRUE(h.session->take_unacked().empty());  // handed over once
  EXPECT_FALSE(h.session->resumable());
}

TEST(C2sSm, WithoutStreamManagementNothingIsKept) {
  Harness h;
  h.establish();
  h.session->send(message(0));
  h.pump();
  EXPECT_TRUE(h.session->take_unacked().empty());
}

TEST(C2sSm, AClientThatNeverAcknowledgesLosesNothingWhenCutOff) {
  Harness h;
  h.establish();
  enable(h);
  for (std::size_t i = 0; i <= C2sSession::max_unacked; ++i) h.session->send(message(static_cast<int>(i)));
  h.pump();
  EXPECT_TRUE(h.session->wants_close());
  EXPECT_FALSE(h.session->resumable());  // a stream error ends the session, not just the connection
  EXPECT_EQ(h.session->take_unacked().size(), C2sSession::max_unacked + 1);
}

TEST(C2sSm, AStreamErrorIsNotResumable) {
  Harness h;
  h.establish();
  enable(h);
  h.session->close(StreamErrorCondition::system_shutdown);
  EXPECT_FALSE(h.session->resumable());
}
