// The muc#owner namespace: §10.1 creating a room (instant or configured),
// §10.2 configuring it later (with §10.2.1's notifications), §10.9
// destroying it.
#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

void MucRoom::owner_get(MucContext& ctx, const Element& iq, const Jid& from) {
  // §10.2: the form is the owners'.
  if (affiliation_of(from) != Affiliation::owner) return reply_error(ctx, iq, StanzaError(Condition::forbidden));
  Element query = muc::element("query", ns::muc_owner);
  query.add_child(to_element(config_form(config_, jid_.local(), ctx.service)));
  emit(ctx, muc::iq_result(iq, std::move(query)));
}

void MucRoom::owner_set(MucContext& ctx, const Element& iq, const Element& query, const Jid& from) {
  if (affiliation_of(from) != Affiliation::owner) return reply_error(ctx, iq, StanzaError(Condition::forbidden));
  if (const Element* d = query.child("destroy", ns::muc_owner)) {
    // §10.9: everyone out, then the owner hears it is done.
    destroy(ctx, d);
    return emit(ctx, muc::iq_result(iq));
  }
  const Element* x = query.child("x", ns::data_forms);
  if (!x) return reply_error(ctx, iq, StanzaError(Condition::bad_request, "a data form or <destroy/>"));
  auto form = parse_data_form(*x);
  if (!form) return reply_error(ctx, iq, StanzaError(Condition::bad_request, form.error()));
  if (form->type == "cancel") {
    // §10.1.3: cancelling the first configuration destroys the room;
    // cancelling a later one leaves it as it was.
    if (locked_) destroy(ctx, nullptr);
    return emit(ctx, muc::iq_result(iq));
  }
  // §10.1.2: an empty submitted form is an instant room (the defaults).
  auto next = apply_config_form(*form, config_, ctx.service);
  if (!next) return reply_error(ctx, iq, next.error());
  emit(ctx, muc::iq_result(iq));
  reconfigure(ctx, *next);
}

void MucRoom::reconfigure(MucContext& ctx, const RoomConfig& next) {
  const RoomConfig before = config_;
  const bool initial = locked_;
  config_ = next;
  locked_ = false;
  changes_.config = true;
  // §10.2: a room made members-only loses whoever is not a member (322).
  if (config_.members_only && !before.members_only) {
    std::vector<std::string> out;
    for (const Occupant& o : occupants_)
      if (affiliation_of(o.jid) < Affiliation::member) out.push_back(o.nick);
    for (const std::string& nick : out) {
      Notice n;
      n.codes = {322};
      remove(ctx, nick, std::move(n));
    }
  }
  if (initial) return;  // nobody else was there to be told
  // §10.2.1: 172/173 when the room's anonymity changes, 104 for anything else.
  std::vector<int> codes;
  if (before.whois != config_.whois) codes.push_back(config_.whois == Whois::anyone ? 172 : 173);
  RoomConfig same_whois = before;
  same_whois.whois = config_.whois;
  if (!(same_whois == config_)) codes.insert(codes.begin(), 104);
  if (codes.empty()) return;
  Element m = muc::element("message", ns::client);
  m.set_attribute("from", jid_.str());
  m.set_attribute("type", "groupchat");
  Element x = muc::element("x", ns::muc_user);
  for (int c : codes) x.add_child(muc::status(c));
  m.add_child(std::move(x));
  message_to_all(ctx, m);
}

void MucRoom::destroy(MucContext& ctx, const Element* request) {
  // §10.9: one unavailable presence to each occupant, with the <destroy/>
  // (the alternate venue and reason the owner gave), and no broadcast.
  Element d = muc::element("destroy", ns::muc_user);
  if (request) {
    if (auto alt = request->attribute("jid"); alt && Jid::parse(*alt)) d.set_attribute("jid", std::string(*alt));
    if (auto reason = request->child_text("reason", ns::muc_owner); reason && !reason->empty())
      d.add_child(muc::text_element("reason", ns::muc_user, *reason));
  }
  Notice n;
  n.unavailable = true;
  n.destroy = std::move(d);
  for (Occupant o : occupants_) {
    o.role = Role::none;
    send_presence(ctx, o, n, o);
  }
  occupants_.clear();
  destroyed_ = true;
}

}  // namespace confab::xmpp
