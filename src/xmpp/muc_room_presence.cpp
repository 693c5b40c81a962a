// XEP-0045 §7.2 entering a room (its checks, and the order of what the new
// occupant receives: §7.1), §7.6 changing nickname, §7.7 changing status,
// §7.14 exiting; §17.2's presence rules.
#include <algorithm>

#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

namespace {

// §17.1: a roomnick must not be empty or only spaces.
bool visible(const std::string& nick) {
  return std::any_of(nick.begin(), nick.end(), [](char c) { return c != ' '; });
}

}  // namespace

void MucRoom::enter_created(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick) {
  enter(ctx, presence, from, nick, true);
}

void MucRoom::handle_presence(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick) {
  const auto type = presence.attribute("type").value_or("");
  Occupant* me = find_by_jid(from);
  if (type == "unavailable") {
    // §17.2.2: an exit, whichever nick it names; §17.2.5: from someone not
    // in the room, silently ignored.
    if (me) leave(ctx, *me, &presence);
    return;
  }
  // §17.2.1: only available presence joins; probes, subscriptions and
  // errors neither join nor leave.
  if (!type.empty()) return;
  if (!visible(nick)) return reply_error(ctx, presence, StanzaError(Condition::jid_malformed, "an empty roomnick"));
  const Element* x = presence.child("x", ns::muc);
  if (!me) {
    if (!x) return emit(ctx, muc::not_in_room(occupant_jid(nick), from.str(), to_string(affiliation_of(from))));
    if (auto refused = may_enter(ctx, presence, from, nick)) return reply_error(ctx, presence, *refused);
    return enter(ctx, presence, from, nick, false);
  }
  if (me->nick != nick) return change_nick(ctx, presence, *me, nick);
  const Element previous = me->presence;
  me->presence = sanitized_presence(presence);
  if (x) {
    // §7.2.1 / §17.2.3: a join from an occupant is a client that lost
    // track: everything a join gets, again; the others only hear of a change.
    send_room_state(ctx, *me, presence, false);
    if (!(me->presence == previous)) {
      Notice n;
      n.presence = me->presence;
      broadcast_others(ctx, *me, n);
    }
    return;
  }
  // §7.7: a change of availability, to everyone.
  Notice n;
  n.presence = me->presence;
  n.self_id = std::string(presence.attribute("id").value_or(""));
  broadcast(ctx, *me, n);
}

void MucRoom::handle_bare_presence(MucContext& ctx, const Element& presence, const Jid& from) {
  const auto type = presence.attribute("type").value_or("");
  if (type == "unavailable") {
    if (Occupant* me = find_by_jid(from)) leave(ctx, *me, &presence);
    return;
  }
  // §7.2.1: a join needs a nickname.
  if (type.empty()) reply_error(ctx, presence, StanzaError(Condition::jid_malformed, "no roomnick"));
}

void MucRoom::session_ended(MucContext& ctx, const Jid& full) {
  if (Occupant* me = find_by_jid(full)) leave(ctx, *me, nullptr);
}

std::optional<StanzaError> MucRoom::may_enter(const MucContext& ctx, const Element& presence, const Jid& from,
                                              const std::string& nick) const {
  // §7.2.15 and the checks of §7.2.6-§7.2.10, most definite first.
  if (locked_)
    return StanzaError(Condition::item_not_found, "the room is locked until its owner configures it");
  const Affiliation a = affiliation_of(from);
  if (a == Affiliation::outcast) return StanzaError(Condition::forbidden, "you are banned from this room");
  if (config_.members_only && a < Affiliation::member)
    return StanzaError(Condition::registration_required, "the room is members-only");
  if (config_.password_protected && a != Affiliation::owner) {
    const Element* x = presence.child("x", ns::muc);
    const auto given = x ? x->child_text("password", ns::muc) : std::nullopt;
    if (given != config_.password) return StanzaError(Condition::not_authorized, "a password is required");
  }
  if (nick_taken(nick, from)) return StanzaError(Condition::conflict, "that nickname is in use or reserved");
  // §7.2.11: a full room turns away all but admins and owners, who may go
  // past the room's limit up to the service's.
  const std::size_t room_limit =
      config_.max_users == 0 ? ctx.service.max_users : std::min(config_.max_users, ctx.service.max_users);
  if (occupants_.size() >= ctx.service.max_users || (occupants_.size() >= room_limit && a < Affiliation::admin))
    return StanzaError(Condition::service_unavailable, ErrorType::wait, "the room is full");
  return std::nullopt;
}

bool MucRoom::nick_taken(const std::string& nick, const Jid& by) const {
  // §7.2.9: in use by someone else, or reserved by another affiliated user.
  for (const Occupant& o : occupants_)
    if (o.nick == nick && o.jid != by) return true;
  for (const auto& [jid, entry] : affiliations_)
    if (entry.nick == nick && jid != by.bare()) return true;
  return false;
}

void MucRoom::enter(MucContext& ctx, const Element& presence, const Jid& from, const std::string& nick,
                    bool created) {
  occupants_.push_back({nick, from, default_role(affiliation_of(from), config_.moderated),
                        sanitized_presence(presence)});
  const Occupant& me = occupants_.back();
  Notice n;
  n.presence = me.presence;
  broadcast_others(ctx, me, n);
  send_room_state(ctx, me, presence, created);
}

void MucRoom::send_room_state(MucContext& ctx, const Occupant& me, const Element& presence, bool created) {
  // §7.1's order: the others' presence, the occupant's own, history, subject.
  for (const Occupant& o : occupants_) {
    if (o.jid == me.jid) continue;
    Notice n;
    n.presence = o.presence;
    send_presence(ctx, o, n, me);
  }
  Notice self;
  self.presence = me.presence;
  self.self_id = std::string(presence.attribute("id").value_or(""));
  if (config_.whois == Whois::anyone) self.self_codes.push_back(100);  // §7.2.4: everyone sees your JID
  if (created) self.self_codes.push_back(201);                         // §10.1.1: a new room
  send_presence(ctx, me, self, me);
  const HistoryRequest wanted = parse_history_request(presence.child("x", ns::muc));
  for (Element h : history_.select(wanted, config_.max_history, ctx.wall)) {
    h.set_attribute("to", me.jid.str());
    emit(ctx, std::move(h));
  }
  send_subject(ctx, me);
}

void MucRoom::change_nick(MucContext& ctx, const Element& presence, Occupant& me, const std::string& nick) {
  if (nick_taken(nick, me.jid))
    return reply_error(ctx, presence, StanzaError(Condition::conflict, "that nickname is in use or reserved"));
  // §7.6: unavailable from the old nick naming the new one (303), then
  // available from the new one; everyone gets both.
  Notice out;
  out.unavailable = true;
  out.codes = {303};
  out.new_nick = nick;
  broadcast(ctx, me, out);
  me.nick = nick;
  me.presence = sanitized_presence(presence);
  Notice in;
  in.presence = me.presence;
  in.self_id = std::string(presence.attribute("id").value_or(""));
  broadcast(ctx, me, in);
}

void MucRoom::leave(MucContext& ctx, const Occupant& me, const Element* unavailable) {
  // §7.14: the exit is told to the occupant (110) and then to everyone
  // else, with whatever <status/> it left with.
  Notice n;
  if (unavailable) n.presence = sanitized_presence(*unavailable);
  remove(ctx, std::string(me.nick), std::move(n));
}

}  // namespace confab::xmpp
