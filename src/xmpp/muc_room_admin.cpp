// The muc#admin namespace: §8.2-§8.5 roles (kick, voice, the voice list),
// §9.1-§9.8 and §10.3-§10.8 affiliations (ban, members, moderators,
// admins, owners), and §17.3's rules for the items.
#include <set>
#include <variant>

#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

namespace {

struct RoleOp {
  std::string nick;
  Role to;
  std::string reason;
};

struct AffiliationOp {
  Jid jid;  // bare, or a domain (a ban only)
  Affiliation to;
  std::optional<std::string> nick;  // §9.4: the reserved nick; "" unsets it
  std::string reason;
};

std::vector<const Element*> items_of(const Element& query) {
  std::vector<const Element*> items;
  for (const Element* e : query.elements())
    if (e->is("item", ns::muc_admin)) items.push_back(e);
  return items;
}

StanzaError refused(Condition c, std::string why) { return StanzaError(c, std::move(why)); }

}  // namespace

void MucRoom::admin_get(MucContext& ctx, const Element& iq, const Element& query, const Jid& from) {
  const auto items = items_of(query);
  if (items.size() != 1) return reply_error(ctx, iq, refused(Condition::bad_request, "ask for one list"));
  const Element& wanted = *items.front();
  const auto role_text = wanted.attribute("role");
  const auto affiliation_text = wanted.attribute("affiliation");
  if (role_text.has_value() == affiliation_text.has_value())
    return reply_error(ctx, iq, refused(Condition::bad_request, "a role or an affiliation"));
  const Occupant* me = find_by_jid(from);
  const Affiliation mine = affiliation_of(from);
  Element result = muc::element("query", ns::muc_admin);
  if (role_text) {
    auto role = parse_role(*role_text);
    if (!role || *role == Role::none) return reply_error(ctx, iq, refused(Condition::bad_request, "no such role"));
    // §8.5 / §9.8: role lists are for moderators.
    if (!me || me->role != Role::moderator) return reply_error(ctx, iq, StanzaError(Condition::forbidden));
    for (const Occupant& o : occupants_) {
      if (o.role != *role) continue;
      // §17.3.5: nick, role, affiliation and the full JID.
      Element it = muc::element("item", ns::muc_admin);
      it.set_attribute("affiliation", to_string(affiliation_of(o.jid)));
      it.set_attribute("jid", o.jid.str());
      it.set_attribute("nick", o.nick);
      it.set_attribute("role", to_string(o.role));
      result.add_child(std::move(it));
    }
    return emit(ctx, muc::iq_result(iq, std::move(result)));
  }
  auto affiliation = parse_affiliation(*affiliation_text);
  if (!affiliation || *affiliation == Affiliation::none)
    return reply_error(ctx, iq, refused(Condition::bad_request, "no such list"));
  // §5.2.1 and §9.5 / §10.5 / §10.8 (1.35): bans are admins' business;
  // the member list is also members' in a non-anonymous room, and the admin
  // and owner lists anyone's in the room there.
  const bool non_anonymous = config_.whois == Whois::anyone;
  bool allowed = false;
  switch (*affiliation) {
    case Affiliation::outcast: allowed = mine >= Affiliation::admin; break;
    case Affiliation::member:
      allowed = mine >= Affiliation::admin || (non_anonymous && mine >= Affiliation::member);
      break;
    case Affiliation::admin:
    case Affiliation::owner:
      allowed = mine == Affiliation::owner || (non_anonymous && (me || mine >= Affiliation::member));
      break;
    case Affiliation::none: break;
  }
  if (!allowed) return reply_error(ctx, iq, StanzaError(Condition::forbidden));
  for (const auto& [jid, entry] : affiliations_) {
    if (entry.affiliation != *affiliation) continue;
    // §17.3.6: affiliation and bare JID, the reserved nick, never a role.
    Element it = muc::element("item", ns::muc_admin);
    it.set_attribute("affiliation", to_string(entry.affiliation));
    it.set_attribute("jid", jid.str());
    if (!entry.nick.empty()) it.set_attribute("nick", entry.nick);
    if (!entry.reason.empty()) it.add_child(muc::text_element("reason", ns::muc_admin, entry.reason));
    result.add_child(std::move(it));
  }
  emit(ctx, muc::iq_result(iq, std::move(result)));
}

void MucRoom::admin_set(MucContext& ctx, const Element& iq, const Element& query, const Jid& from) {
  const auto items = items_of(query);
  if (items.empty()) return reply_error(ctx, iq, refused(Condition::bad_request, "no items"));
  const Occupant* me = find_by_jid(from);
  const Role my_role = me ? me->role : Role::none;
  const Affiliation mine = affiliation_of(from);
  const std::string actor_nick = me ? me->nick : std::string();

  // Every item is checked before anything changes (§9.2: a request with
  // one refused change makes none).
  std::vector<std::variant<RoleOp, AffiliationOp>> ops;
  std::set<Jid> owners;
  for (const auto& [jid, entry] : affiliations_)
    if (entry.affiliation == Affiliation::owner) owners.insert(jid);
  for (const Element* item : items) {
    const auto role_text = item->attribute("role");
    const auto affiliation_text = item->attribute("affiliation");
    // §17.3.4: a role or an affiliation, never both.
    if (role_text.has_value() == affiliation_text.has_value())
      return reply_error(ctx, iq, refused(Condition::bad_request, "an item changes a role or an affiliation"));
    const std::string reason = item->child_text("reason", ns::muc_admin).value_or("");
    if (role_text) {
      auto role = parse_role(*role_text);
      auto nick = item->attribute("nick");
      if (!role || !nick) return reply_error(ctx, iq, refused(Condition::bad_request, "a role and a nick"));
      const Occupant* target = find_by_nick(std::string(*nick));
      if (!target) return reply_error(ctx, iq, refused(Condition::item_not_found, "no such occupant"));
      switch (role_change(my_role, mine, target->role, affiliation_of(target->jid), *role)) {
        case RoleChange::allowed: break;
        case RoleChange::forbidden: return reply_error(ctx, iq, StanzaError(Condition::forbidden));
        case RoleChange::not_allowed: return reply_error(ctx, iq, StanzaError(Condition::not_allowed));
      }
      ops.emplace_back(RoleOp{std::string(*nick), *role, reason});
      continue;
    }
    auto affiliation = parse_affiliation(*affiliation_text);
    if (!affiliation) return reply_error(ctx, iq, refused(Condition::bad_request, "no such affiliation"));
    auto parsed = Jid::parse(item->attribute("jid").value_or(""));
    if (!parsed) return reply_error(ctx, iq, refused(Condition::jid_malformed, "an affiliation needs a jid"));
    // §5.2: affiliations belong to bare JIDs; a whole domain can only be banned.
    const Jid target = parsed->bare();
    if (target.local().empty() && *affiliation != Affiliation::outcast && *affiliation != Affiliation::none)
      return reply_error(ctx, iq, refused(Condition::not_acceptable, "only a ban may name a domain"));
    const AffiliationEntry* current = entry_of(target);
    const Affiliation before = current ? current->affiliation : Affiliation::none;
    switch (affiliation_change(mine, before, *affiliation)) {
      case AffiliationChange::allowed: break;
      case AffiliationChange::forbidden: return reply_error(ctx, iq, StanzaError(Condition::forbidden));
      case AffiliationChange::not_allowed: return reply_error(ctx, iq, StanzaError(Condition::not_allowed));
    }
    // §9.1: nobody bans themselves.
    if (*affiliation == Affiliation::outcast && target == from.bare())
      return reply_error(ctx, iq, refused(Condition::conflict, "you cannot ban yourself"));
    std::optional<std::string> nick;
    if (auto n = item->attribute("nick"); n && *affiliation >= Affiliation::member) {
      nick = std::string(*n);
      for (const auto& [jid, entry] : affiliations_)
        if (!nick->empty() && entry.nick == *nick && jid != target)
          return reply_error(ctx, iq, refused(Condition::conflict, "that nick is reserved"));
    }
    if (*affiliation == Affiliation::owner) owners.insert(target);
    else owners.erase(target);
    ops.emplace_back(AffiliationOp{target, *affiliation, std::move(nick), reason});
  }
  // §10.7: a room keeps at least one owner.
  if (owners.empty()) return reply_error(ctx, iq, refused(Condition::conflict, "the room needs an owner"));

  // The requester hears of success first; the presence the changes cause
  // follows (§9.1's order).
  emit(ctx, muc::iq_result(iq));
  for (const auto& op : ops) {
    if (const auto* r = std::get_if<RoleOp>(&op)) set_role(ctx, r->nick, r->to, r->reason, actor_nick);
    else if (const auto* a = std::get_if<AffiliationOp>(&op))
      set_affiliation(ctx, a->jid, a->to, a->nick, a->reason, actor_nick, from);
  }
}

void MucRoom::set_role(MucContext& ctx, const std::string& nick, Role to, const std::string& reason,
                       const std::string& actor_nick) {
  Occupant* o = find_by_nick(nick);
  if (!o) return;  // an earlier item of the same request removed it
  if (to == Role::none) {
    // §8.2: a kick (307), told to the kicked occupant first.
    Notice n;
    n.codes = {307};
    n.actor_nick = actor_nick;
    n.reason = reason;
    return remove(ctx, nick, std::move(n));
  }
  if (o->role == to) return;
  o->role = to;
  Notice n;
  n.presence = o->presence;
  n.reason = reason;
  broadcast(ctx, *o, n);
}

void MucRoom::set_affiliation(MucContext& ctx, const Jid& target, Affiliation to,
                              const std::optional<std::string>& nick, const std::string& reason,
                              const std::string& actor_nick, const Jid& actor) {
  const Affiliation before = entry_of(target) ? entry_of(target)->affiliation : Affiliation::none;
  if (to == Affiliation::none) {
    affiliations_.erase(target);
  } else {
    AffiliationEntry& e = affiliations_[target];
    e.affiliation = to;
    if (nick) e.nick = *nick;
    // §9.1: an outcast loses any reserved nick; only bans keep a reason.
    if (to == Affiliation::outcast) e.nick.clear();
    e.reason = to == Affiliation::outcast ? reason : std::string();
  }
  changes_.affiliations.insert(target);
  std::vector<std::string> affected;
  for (const Occupant& o : occupants_) {
    // A domain's affiliation reaches those there without one of their own.
    const bool reached = target.local().empty() ? o.jid.domain() == target.domain() && !entry_of(o.jid.bare())
                                                : o.jid.bare() == target;
    if (reached) affected.push_back(o.nick);
  }
  for (const std::string& n : affected) {
    Occupant* o = find_by_nick(n);
    if (!o) continue;
    Notice notice;
    notice.actor_nick = actor_nick;
    notice.reason = reason;
    if (to == Affiliation::outcast) {
      notice.codes = {301};  // §9.1: banned
      remove(ctx, n, std::move(notice));
    } else if (config_.members_only && to < Affiliation::member) {
      notice.codes = {321};  // §9.4: no longer a member of a members-only room
      remove(ctx, n, std::move(notice));
    } else {
      // §5.1.3: the role an affiliation brings; a lost one falls back to
      // what the new affiliation enters with.
      o->role = default_role(to, config_.moderated);
      notice.actor_nick.clear();
      notice.presence = o->presence;
      broadcast(ctx, *o, notice);
    }
  }
  // §9.5: someone made a member of a members-only room is told so.
  if (config_.members_only && to == Affiliation::member && before == Affiliation::none && affected.empty() &&
      !target.local().empty()) {
    Element invite = muc::stanza("message", jid_.str(), target.str());
    Element x = muc::element("x", ns::muc_user);
    Element inv = muc::element("invite", ns::muc_user);
    inv.set_attribute("from", actor.bare_str());
    if (!reason.empty()) inv.add_child(muc::text_element("reason", ns::muc_user, reason));
    x.add_child(std::move(inv));
    if (config_.password_protected) x.add_child(muc::text_element("password", ns::muc_user, config_.password));
    invite.add_child(std::move(x));
    emit(ctx, std::move(invite));
  }
}

}  // namespace confab::xmpp
