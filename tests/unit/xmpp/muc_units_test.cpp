// The MUC's pure parts on their own: the role and affiliation tables of
// XEP-0045 §5, history selection (§7.2.14), XEP-0082 dates, data forms
// (XEP-0004) and the room configuration form (§10.1.3).
#include <gtest/gtest.h>

#include "xmpp/data_form.hpp"
#include "xmpp/delay.hpp"
#include "xmpp/muc_config.hpp"
#include "xmpp/muc_history.hpp"
#include "xmpp/muc_namespaces.hpp"
#include "xmpp/muc_roles.hpp"
#include "xmpp/xml_stream_parser.hpp"

using namespace confab::xmpp;
using namespace std::chrono;

namespace {

Element parse(std::string_view xml) {
  auto e = parse_element(xml);
  EXPECT_TRUE(e) << xml;
  return e ? std::move(*e) : Element();
}

WallTime at(std::int64_t unix_seconds) { return WallTime(seconds(unix_seconds)); }

Element message(const std::string& body) {
  return parse("<message xmlns='jabber:client' type='groupchat' from='r@c/n'><body>" + body + "</body></message>");
}

}  // namespace

TEST(MucRoles, DefaultRolesFollowTheAffiliationAndTheRoomType) {
  // §5.1.2's table.
  EXPECT_EQ(default_role(Affiliation::owner, false), Role::moderator);
  EXPECT_EQ(default_role(Affiliation::admin, true), Role::moderator);
  EXPECT_EQ(default_role(Affiliation::member, true), Role::participant);
  EXPECT_EQ(default_role(Affiliation::none, false), Role::participant);
  EXPECT_EQ(default_role(Affiliation::none, true), Role::visitor);
  EXPECT_EQ(default_role(Affiliation::outcast, false), Role::none);
}

TEST(MucRoles, NamesRoundTripAndUnknownNamesAreRefused) {
  for (Role r : {Role::none, Role::visitor, Role::participant, Role::moderator})
    EXPECT_EQ(parse_role(to_string(r)), r);
  for (Affiliation a : {Affiliation::outcast, Affiliation::none, Affiliation::member, Affiliation::admin,
                        Affiliation::owner})
    EXPECT_EQ(parse_affiliation(to_string(a)), a);
  EXPECT_EQ(parse_role("king"), std::nullopt);
  EXPECT_EQ(parse_affiliation("Owner"), std::nullopt);
}

TEST(MucRoles, RoleChangesFollowTheStateChart) {
  using R = Role;
  using A = Affiliation;
  // A moderator without affiliation: kicks and (un)voices the unaffiliated...
  EXPECT_EQ(role_change(R::moderator, A::none, R::participant, A::none, R::none), RoleChange::allowed);
  EXPECT_EQ(role_change(R::moderator, A::none, R::visitor, A::none, R::participant), RoleChange::allowed);
  EXPECT_EQ(role_change(R::moderator, A::none, R::participant, A::none, R::visitor), RoleChange::allowed);
  // ...but not members (§8.4: not above it), other moderators, or anyone into a moderator.
  EXPECT_EQ(role_change(R::moderator, A::none, R::participant, A::member, R::visitor), RoleChange::not_allowed);
  EXPECT_EQ(role_change(R::moderator, A::none, R::moderator, A::none, R::none), RoleChange::not_allowed);
  EXPECT_EQ(role_change(R::moderator, A::none, R::participant, A::none, R::moderator), RoleChange::forbidden);
  // Admins make and unmake moderators, but never take an admin's or owner's.
  EXPECT_EQ(role_change(R::moderator, A::admin, R::participant, A::none, R::moderator), RoleChange::allowed);
  EXPECT_EQ(role_change(R::moderator, A::admin, R::moderator, A::none, R::participant), RoleChange::allowed);
  EXPECT_EQ(role_change(R::moderator, A::owner, R::moderator, A::admin, R::participant), RoleChange::not_allowed);
  EXPECT_EQ(role_change(R::moderator, A::admin, R::moderator, A::owner, R::none), RoleChange::not_allowed);
  EXPECT_EQ(role_change(R::moderator, A::owner, R::moderator, A::admin, R::none), RoleChange::allowed);
  // Participants change nobody's role.
  EXPECT_EQ(role_change(R::participant, A::member, R::visitor, A::none, R::participant), RoleChange::forbidden);
}

TEST(MucRoles, AffiliationChangesFollowTheStateChart) {
  using A = Affiliation;
  EXPECT_EQ(affiliation_change(A::member, A::none, A::outcast), AffiliationChange::forbidden);
  EXPECT_EQ(affiliation_change(A::admin, A::none, A::outcast), AffiliationChange::allowed);
  EXPECT_EQ(affiliation_change(A::admin, A::member, A::none), AffiliationChange::allowed);
  EXPECT_EQ(affiliation_change(A::admin, A::none, A::admin), AffiliationChange::forbidden);
  EXPECT_EQ(affiliation_change(A::admin, A::owner, A::outcast), AffiliationChange::not_allowed);
  EXPECT_EQ(affiliation_change(A::admin, A::admin, A::member), AffiliationChange::not_allowed);
  EXPECT_EQ(affiliation_change(A::owner, A::owner, A::outcast), AffiliationChange::allowed);
}

TEST(MucHistory, TheRequestIsReadFromTheJoinAndNonsenseIsIgnored) {
  const Element x = parse("<x xmlns='http://jabber.org/protocol/muc'><history maxchars='65000' maxstanzas='20' "
                          "seconds='180' since='1970-01-01T00:00:00Z'/></x>");
  auto r = parse_history_request(&x);
  EXPECT_EQ(r.max_chars, 65000u);
  EXPECT_EQ(r.max_stanzas, 20u);
  EXPECT_EQ(r.seconds, seconds(180));
  EXPECT_EQ(r.since, at(0));
  const Element nonsense = parse("<x xmlns='http://jabber.org/protocol/muc'><history maxchars='-1' maxstanzas='2x' "
                                 "seconds='' since='now'/></x>");
  auto bad = parse_history_request(&nonsense);
  EXPECT_FALSE(bad.max_chars || bad.max_stanzas || bad.seconds || bad.since);
  EXPECT_FALSE(parse_history_request(nullptr).max_stanzas);
}

TEST(MucHistory, TheSmallestSetMeetingEveryCriterionNewestKept) {
  RoomHistory h(10, 1 << 20);
  for (int i = 0; i < 5; ++i) h.add(message("m" + std::to_string(i)), at(1000 + 10 * i), "r@c");
  const WallTime now = at(1050);
  EXPECT_EQ(h.select({}, 20, now).size(), 5u);
  EXPECT_EQ(h.select({}, 3, now).size(), 3u);  // the room's own limit
  HistoryRequest r;
  r.max_stanzas = 2;
  auto two = h.select(r, 20, now);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].child_text("body"), "m3");  // oldest first
  EXPECT_EQ(two[1].child_text("body"), "m4");
  r = {};
  r.seconds = seconds(25);
  EXPECT_EQ(h.select(r, 20, now).size(), 2u);  // 1030 and 1040
  r = {};
  r.since = at(1020);
  EXPECT_EQ(h.select(r, 20, now).size(), 3u);
  r = {};
  r.max_chars = 0;
  EXPECT_TRUE(h.select(r, 20, now).empty());
  // Every stored stanza carries the room's delay.
  auto all = h.select({}, 20, now);
  const Element* delay = all[0].child("delay", "urn:xmpp:delay");
  ASSERT_NE(delay, nullptr);
  EXPECT_EQ(delay->attribute("from"), "r@c");
  EXPECT_EQ(delay->attribute("stamp"), "1970-01-01T00:16:40Z");
}

TEST(MucHistory, MaxcharsSendsOnlyWholeStanzas) {
  RoomHistory h(10, 1 << 20);
  h.add(message("a"), at(0), "r@c");
  h.add(message("b"), at(0), "r@c");
  const std::size_t one = h.select({}, 1, at(0)).size();
  ASSERT_EQ(one, 1u);
  HistoryRequest r;
  r.max_chars = 150;  // one stored stanza is a little over 100 characters
  EXPECT_EQ(h.select(r, 20, at(0)).size(), 1u);
  r.max_chars = 50;
  EXPECT_TRUE(h.select(r, 20, at(0)).empty());
}

TEST(MucHistory, TheRoomKeepsNoMoreThanItsCapacityOrCharacters) {
  RoomHistory by_count(3, 1 << 20);
  for (int i = 0; i < 5; ++i) by_count.add(message("m" + std::to_string(i)), at(0), "r@c");
  EXPECT_EQ(by_count.size(), 3u);
  RoomHistory by_chars(100, 300);
  for (int i = 0; i < 5; ++i) by_chars.add(message("m" + std::to_string(i)), at(0), "r@c");
  EXPECT_EQ(by_chars.size(), 2u);
  RoomHistory none(0, 1000);
  none.add(message("x"), at(0), "r@c");
  EXPECT_EQ(none.size(), 0u);
}

TEST(DateTime, Xep0082ProfilesAreRead) {
  EXPECT_EQ(parse_datetime("1970-01-01T00:00:00Z"), at(0));
  EXPECT_EQ(parse_datetime("2002-09-10T23:08:25Z"), at(1031699305));
  EXPECT_EQ(parse_datetime("2002-09-10T23:08:25.123Z"), at(1031699305));
  EXPECT_EQ(parse_datetime("2002-09-10T18:08:25-05:00"), at(1031699305));
  EXPECT_EQ(parse_datetime("2024-02-29T12:00:00+01:00"), at(1709204400));
  for (const char* bad : {"", "2002-09-10", "2002-09-10T23:08:25", "2002-13-10T23:08:25Z", "2002-09-10T24:00:00Z",
                          "2002-09-10 23:08:25Z", "2002-09-10T23:08:25.Z", "2002-09-10T23:08:25+0500",
                          "2002-09-10T23:08:25Zjunk", "yesterday"})
    EXPECT_EQ(parse_datetime(bad), std::nullopt) << bad;
  // And back: what datetime_stamp writes is read.
  EXPECT_EQ(parse_datetime(datetime_stamp(at(1704067200))), at(1704067200));
}

TEST(DataForms, ASubmittedFormIsRead) {
  auto form = parse_data_form(parse("<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:t</value>"
                                    "</field><field var='multi'><value>a</value><value>b</value></field><field "
                                    "var='empty'/></x>"));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->type, "submit");
  EXPECT_EQ(form->form_type(), "urn:t");
  EXPECT_EQ(form->field("multi")->values, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(form->value("empty"), std::nullopt);
  EXPECT_EQ(form->field("missing"), nullptr);
}

TEST(DataForms, MalformedFormsAreRefused) {
  EXPECT_FALSE(parse_data_form(parse("<x xmlns='jabber:x:data'/>")));
  EXPECT_FALSE(parse_data_form(parse("<x xmlns='jabber:x:data' type='weird'/>")));
  EXPECT_FALSE(parse_data_form(parse("<x xmlns='urn:other' type='submit'/>")));
  EXPECT_FALSE(parse_data_form(parse("<x xmlns='jabber:x:data' type='submit'><field><value>v</value></field></x>")));
  EXPECT_TRUE(parse_data_form(parse("<x xmlns='jabber:x:data' type='form'><field type='fixed'><value>v</value></field></x>")));
}

TEST(DataForms, BooleansAreTheFourSpellings) {
  EXPECT_EQ(parse_form_boolean("1"), true);
  EXPECT_EQ(parse_form_boolean("true"), true);
  EXPECT_EQ(parse_form_boolean("0"), false);
  EXPECT_EQ(parse_form_boolean("false"), false);
  EXPECT_EQ(parse_form_boolean("yes"), std::nullopt);
}

TEST(MucConfigForm, TheFormRoundTripsThroughASubmission) {
  MucConfig service;
  service.domain = "conference.example.com";
  RoomConfig c;
  c.name = "A Dark Cave";
  c.persistent = true;
  c.password_protected = true;
  c.password = "cauldronburn";
  c.whois = Whois::anyone;
  c.allow_pm = AllowPm::participants;
  c.max_users = 0;
  DataForm form = config_form(c, "coven", service);
  form.type = "submit";  // submitted as it came
  auto back = apply_config_form(form, RoomConfig{}, service);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
}

TEST(MucConfigForm, AnEmptySubmissionKeepsEverything) {
  MucConfig service;
  RoomConfig c;
  c.moderated = true;
  DataForm empty;
  empty.type = "submit";
  auto back = apply_config_form(empty, c, service);
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, c);
  DataForm cancel;
  cancel.type = "cancel";
  EXPECT_FALSE(apply_config_form(cancel, c, service));
}

TEST(MucConfigForm, TheServiceConfigurationIsValidated) {
  MucConfig c;
  EXPECT_TRUE(validate(c));  // no domain
  c.domain = "Conference.Example.com";
  EXPECT_TRUE(validate(c));  // not canonical
  c.domain = "conference.example.com";
  EXPECT_FALSE(validate(c));
  c.domain = "room@conference.example.com";
  EXPECT_TRUE(validate(c));
  c.domain = "conference.example.com";
  c.room_defaults.password_protected = true;
  EXPECT_TRUE(validate(c));
}
