// Messages: §7.4 to all occupants (kept as history), §8.1 the subject,
// §7.5 private messages, §7.8.2 mediated invitations and declines, and
// §17.1's rules for what is refused.
#include <chrono>

#include "xmpp/delay.hpp"
#include "xmpp/mam.hpp"
#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

namespace {

// §8.1: a subject and no body or thread; anything else with a <subject/>
// is an ordinary message.
bool is_subject_change(const Element& m) {
  return m.child("subject") && !m.child("body") && !m.child("thread");
}

// The children of an <invite/> or <decline/> the room passes on.
void copy_reason_and_continue(const Element& from, Element& to) {
  for (const Element* c : from.elements())
    if (c->ns == ns::muc_user && (c->name == "reason" || c->name == "continue")) to.add_child(*c);
}

}  // namespace

void MucRoom::handle_message(MucContext& ctx, const Element& message, const Jid& from) {
  const auto type = message.attribute("type").value_or("normal");
  if (type == "error") return;  // an occupant's client bouncing something: nobody to answer
  const Occupant* sender = find_by_jid(from);
  // §17.1.3: a locked room does not exist yet for anyone but its owner inside.
  if (locked_ && !sender) return reply_error(ctx, message, StanzaError(Condition::item_not_found));
  if (type == "groupchat") {
    // §7.4: only occupants speak to the room.
    if (!sender) return reply_error(ctx, message, StanzaError(Condition::not_acceptable, "you are not in this room"));
    if (is_subject_change(message)) return change_subject(ctx, message, *sender);
    return groupchat(ctx, message, *sender);
  }
  if (const Element* x = message.child("x", ns::muc_user)) {
    if (x->child("invite", ns::muc_user)) return invite(ctx, message, *x, from);
    if (x->child("decline", ns::muc_user)) return decline(ctx, message, *x, from);
  }
  if (const Element* x = message.child("x", ns::data_forms)) {
    if (auto form = parse_data_form(*x); form && form->form_type() == ns::muc_request)
      return voice_request(ctx, message, *form, from);
  }
  // §17.1.1: what is meant for everyone is typed groupchat.
  reply_error(ctx, message, StanzaError(Condition::bad_request, "messages to the room are of type groupchat"));
}

void MucRoom::groupchat(MucContext& ctx, const Element& message, const Occupant& sender) {
  // §7.4: a visitor in a moderated room has no voice.
  if (!has_voice(sender.role))
    return reply_error(ctx, message, StanzaError(Condition::forbidden, "you have no voice in this room"));
  // Reflected from the sender's occupant JID with the sender's id
  // (muc#stable_id), to every occupant including the sender.
  Element m = message;
  m.remove_attribute("to");
  m.set_attribute("from", occupant_jid(sender.nick));
  // XEP-0359 §5: a stanza-id claiming to be the room's is not the sender's to give.
  std::erase_if(m.children, [&](const Node& n) {
    const Element* e = n.element();
    return e && e->is("stanza-id", ns::sid) && e->attribute("by") == jid_.str();
  });
  // XEP-0313 §5: a stored room archives what has a body, and everyone
  // (the sender included, and later joiners through the history) sees
  // the archive's id as the room's <stanza-id/>.
  if (m.child("body") && ctx.archive_id && storable()) {
    ArchivedMessage a;
    a.id = ctx.archive_id();
    a.stamp = std::chrono::time_point_cast<std::chrono::seconds>(ctx.wall);
    a.with = jid_.with_resource(sender.nick);
    Element sid = muc::element("stanza-id", ns::sid);
    sid.set_attribute("id", a.id);
    sid.set_attribute("by", jid_.str());
    m.add_child(std::move(sid));
    a.stanza = m;
    changes_.archive.push_back(std::move(a));
  }
  // Chat states and receipts are not worth replaying to a late joiner.
  if (m.child("body") && history_.add(m, ctx.wall, jid_.str()))
    changes_.history.push_back({history_.stanza(history_.size() - 1), ctx.wall});
  message_to_all(ctx, m);
}

void MucRoom::change_subject(MucContext& ctx, const Element& message, const Occupant& sender) {
  // §8.1: moderators, and participants if the room says so.
  const bool may = sender.role == Role::moderator || (config_.change_subject && has_voice(sender.role));
  if (!may) return reply_error(ctx, message, StanzaError(Condition::forbidden, "you may not change the subject"));
  subject_ = Subject{message.child_text("subject").value_or(""), sender.nick, ctx.wall};
  changes_.subject = true;
  Element m = message;
  m.remove_attribute("to");
  m.set_attribute("from", occupant_jid(sender.nick));
  message_to_all(ctx, m);
}

void MucRoom::send_subject(MucContext& ctx, const Occupant& to) const {
  // §7.2.15: always sent, empty if there is none, from whoever set it, with
  // the time it was set (1.34) — unless it never was.
  Element m = muc::stanza("message", subject_ && !subject_->nick.empty() ? occupant_jid(subject_->nick) : jid_.str(),
                          to.jid.str());
  m.set_attribute("type", "groupchat");
  m.add_child(muc::text_element("subject", ns::client, subject_ ? subject_->text : ""));
  if (subject_) m.add_child(delay_element(jid_.str(), subject_->when));
  emit(ctx, std::move(m));
}

void MucRoom::handle_private_message(MucContext& ctx, const Element& message, const Jid& from,
                                     const std::string& nick) {
  const auto type = message.attribute("type").value_or("normal");
  if (type == "error") return;
  // §7.5: a private message is not groupchat.
  if (type == "groupchat")
    return reply_error(ctx, message, StanzaError(Condition::bad_request, "a private message is not groupchat"));
  const Occupant* sender = find_by_jid(from);
  if (!sender) return reply_error(ctx, message, StanzaError(Condition::not_acceptable, "you are not in this room"));
  const Occupant* recipient = find_by_nick(nick);
  if (!recipient) return reply_error(ctx, message, StanzaError(Condition::item_not_found, "no such occupant"));
  bool allowed = true;
  switch (config_.allow_pm) {
    case AllowPm::anyone: break;
    case AllowPm::participants: allowed = has_voice(sender->role); break;
    case AllowPm::moderators: allowed = sender->role == Role::moderator; break;
    case AllowPm::none: allowed = false; break;
  }
  if (!allowed) return reply_error(ctx, message, StanzaError(Condition::forbidden, "private messages are restricted"));
  // From the sender's occupant JID to the recipient's real one; the <x/>
  // tells the recipient's other clients (carbons) where it came from.
  Element m = message;
  m.set_attribute("from", occupant_jid(sender->nick));
  m.set_attribute("to", recipient->jid.str());
  if (!m.child("x", ns::muc_user)) m.add_child(muc::element("x", ns::muc_user));
  emit(ctx, std::move(m));
}

void MucRoom::invite(MucContext& ctx, const Element& message, const Element& x, const Jid& from) {
  const Affiliation a = affiliation_of(from);
  if (!find_by_jid(from) && a < Affiliation::admin)
    return reply_error(ctx, message, StanzaError(Condition::not_acceptable, "you are not in this room"));
  // §9.5: in a members-only room, inviting is adding to the member list —
  // an admin's right, or members' too if the room allows it.
  const bool adds_members = config_.members_only;
  if (adds_members && a < Affiliation::admin && !(config_.allow_invites && a >= Affiliation::member))
    return reply_error(ctx, message, StanzaError(Condition::forbidden, "only admins invite to this room"));
  std::vector<std::pair<Jid, const Element*>> invitees;
  for (const Element* inv : x.elements()) {
    if (!inv->is("invite", ns::muc_user)) continue;
    auto to = Jid::parse(inv->attribute("to").value_or(""));
    if (!to) return reply_error(ctx, message, StanzaError(Condition::jid_malformed, "an invitation needs a 'to'"));
    invitees.emplace_back(std::move(*to), inv);
  }
  // One message must not become a flood from the room.
  if (invitees.size() > ctx.service.max_invites)
    return reply_error(ctx, message, StanzaError(Condition::policy_violation, "too many invitations at once"));
  for (const auto& [invitee, inv] : invitees) {
    // §7.8.2: from the room, naming the inviter, with the password.
    Element out = muc::stanza("message", jid_.str(), invitee.str());
    if (auto id = message.attribute("id")) out.set_attribute("id", std::string(*id));
    Element ux = muc::element("x", ns::muc_user);
    Element forwarded = muc::element("invite", ns::muc_user);
    forwarded.set_attribute("from", from.bare_str());
    copy_reason_and_continue(*inv, forwarded);
    ux.add_child(std::move(forwarded));
    if (config_.password_protected) ux.add_child(muc::text_element("password", ns::muc_user, config_.password));
    out.add_child(std::move(ux));
    emit(ctx, std::move(out));
    // A ban stays a ban; an open room's invitation is no membership (§9.5).
    if (adds_members && !invitee.local().empty() && affiliation_of(invitee) == Affiliation::none) {
      affiliations_[invitee.bare()].affiliation = Affiliation::member;
      changes_.affiliations.insert(invitee.bare());
    }
  }
}

void MucRoom::decline(MucContext& ctx, const Element& message, const Element& x, const Jid& from) {
  const Element* d = x.child("decline", ns::muc_user);
  auto to = Jid::parse(d->attribute("to").value_or(""));
  if (!to) return reply_error(ctx, message, StanzaError(Condition::jid_malformed, "a decline needs a 'to'"));
  // §7.8.2: the room passes the decline on to the inviter, naming the invitee.
  Element out = muc::stanza("message", jid_.str(), to->str());
  if (auto id = message.attribute("id")) out.set_attribute("id", std::string(*id));
  Element ux = muc::element("x", ns::muc_user);
  Element forwarded = muc::element("decline", ns::muc_user);
  forwarded.set_attribute("from", from.bare_str());
  copy_reason_and_continue(*d, forwarded);
  ux.add_child(std::move(forwarded));
  out.add_child(std::move(ux));
  emit(ctx, std::move(out));
}

}  // namespace confab::xmpp
