// RFC 6120 §8.3 stanza errors, XEP-0203 delay stamps, RFC 6121 §2 roster
// items as XML.
#include "xmpp/stanza_error.hpp"

#include <gtest/gtest.h>

#include "xmpp/delay.hpp"
#include "xmpp/roster_item_xml.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

using namespace confab::xmpp;

namespace {

Element parse(std::string_view s) { return parse_element(s).value(); }

}  // namespace

TEST(StanzaError, TheReplySwapsAddressesAndKeepsTheId) {
  // RFC 6120 §8.3.2's example, in reverse.
  Element iq = parse("<iq xmlns='jabber:client' from='juliet@im.example.com/balcony' id='ix61z6yh' "
                     "to='im.example.com' type='get'><query xmlns='jabber:iq:nope'/></iq>");
  auto reply = error_reply(iq, StanzaError(Condition::service_unavailable));
  ASSERT_TRUE(reply);
  EXPECT_EQ(serialize(*reply, {"jabber:client", {}}),
            "<iq from='im.example.com' to='juliet@im.example.com/balcony' id='ix61z6yh' type='error'>"
            "<error type='cancel'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>");
  EXPECT_EQ(error_condition(*reply), Condition::service_unavailable);
}

TEST(StanzaError, ErrorsAndResultsAreNeverAnswered) {
  EXPECT_FALSE(error_reply(parse("<message xmlns='jabber:client' type='error'/>"), StanzaError(Condition::gone)));
  EXPECT_FALSE(error_reply(parse("<iq xmlns='jabber:client' type='result' id='1'/>"), StanzaError(Condition::gone)));
  EXPECT_TRUE(error_reply(parse("<presence xmlns='jabber:client' type='subscribe'/>"), StanzaError(Condition::gone)));
}

TEST(StanzaError, EveryConditionHasItsRfcNameAndType) {
  EXPECT_STREQ(to_string(Condition::bad_request), "bad-request");
  EXPECT_STREQ(to_string(Condition::unexpected_request), "unexpected-request");
  EXPECT_EQ(default_type(Condition::bad_request), ErrorType::modify);
  EXPECT_EQ(default_type(Condition::forbidden), ErrorType::auth);
  EXPECT_EQ(default_type(Condition::resource_constraint), ErrorType::wait);
  EXPECT_STREQ(to_string(ErrorType::continue_), "continue");
  StanzaError e(Condition::not_acceptable, "too long");
  e.application = Element("blocked", "urn:xmpp:blocking:errors");
  EXPECT_EQ(serialize(to_element(e), {"jabber:client", {}}),
            "<error type='modify'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>too long</text>"
            "<blocked xmlns='urn:xmpp:blocking:errors'/></error>");
}

TEST(Delay, StampsAreXep0082UtcDateTimes) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  EXPECT_EQ(datetime_stamp(system_clock::time_point(seconds(0))), "1970-01-01T00:00:00Z");
  EXPECT_EQ(datetime_stamp(system_clock::time_point(seconds(1031699305))), "2002-09-10T23:08:25Z");  // XEP-0203's example
  EXPECT_EQ(datetime_stamp(system_clock::time_point(seconds(951782400))), "2000-02-29T00:00:00Z");
  EXPECT_EQ(datetime_stamp(system_clock::time_point(seconds(-1))), "1969-12-31T23:59:59Z");
}

TEST(Delay, AStanzaKeepsItsFirstStampFromTheSameEntity) {
  Element m = parse("<message xmlns='jabber:client'><body>x</body></message>");
  add_delay(m, "example.com", std::chrono::system_clock::time_point(std::chrono::seconds(1031699305)));
  add_delay(m, "example.com", std::chrono::system_clock::time_point(std::chrono::seconds(2000000000)));
  add_delay(m, "other.example", std::chrono::system_clock::time_point(std::chrono::seconds(0)));
  EXPECT_EQ(serialize(m, {"jabber:client", {}}),
            "<message><body>x</body><delay xmlns='urn:xmpp:delay' from='example.com' stamp='2002-09-10T23:08:25Z'/>"
            "<delay xmlns='urn:xmpp:delay' from='other.example' stamp='1970-01-01T00:00:00Z'/></message>");
}

TEST(RosterItemXml, ItemsCarryOnlyWhatClientsSee) {
  RosterItem item = new_contact(Jid::parse("nurse@example.com").value());
  item.name = "Nurse";
  item.groups = {"Servants"};
  item.ask = true;
  item.pending_in = true;  // never shown
  EXPECT_EQ(serialize(roster_item_element(item), {"jabber:iq:roster", {}}),
            "<item jid='nurse@example.com' name='Nurse' subscription='none' ask='subscribe'><group>Servants</group></item>");
  EXPECT_EQ(serialize(roster_item_element(item, true), {"jabber:iq:roster", {}}),
            "<item jid='nurse@example.com' subscription='remove'/>");
}

TEST(RosterItemXml, ARosterSetIsCheckedAsSection233Says) {
  auto ok = parse_roster_set(parse("<query xmlns='jabber:iq:roster'><item jid='Nurse@Example.com' name='N'>"
                                   "<group>a</group><group>b</group></item></query>"),
                             {});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->jid.str(), "nurse@example.com");
  EXPECT_EQ(ok->groups, (std::vector<std::string>{"a", "b"}));
  auto remove = parse_roster_set(parse("<query xmlns='jabber:iq:roster'><item jid='a@b' subscription='remove'/></query>"), {});
  ASSERT_TRUE(remove);
  EXPECT_TRUE(remove->remove);
  auto full = parse_roster_set(parse("<query xmlns='jabber:iq:roster'><item jid='a@b/c'/></query>"), {});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().condition, Condition::jid_malformed);
  auto none = parse_roster_set(parse("<query xmlns='jabber:iq:roster'/>"), {});
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().condition, Condition::bad_request);
  auto many = parse_roster_set(parse("<query xmlns='jabber:iq:roster'><item jid='a@b'><group>1</group><group>2</group>"
                                     "</item></query>"),
                               {.max_name = 1024, .max_groups = 1});
  ASSERT_FALSE(many);
  EXPECT_EQ(many.error().condition, Condition::not_acceptable);
}
