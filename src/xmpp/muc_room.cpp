// A room's occupants and affiliations, and the one way an occupant's
// presence is written for each recipient (§7.2.3, §17.2: role and
// affiliation always, the real JID only to those allowed to see it).
#include "xmpp/muc_room.hpp"

#include <algorithm>

#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

MucRoom::MucRoom(Jid room, const Jid& creator, const MucConfig& service)
    : jid_(std::move(room)),
      config_(service.room_defaults),
      locked_(service.lock_new_rooms),
      history_(service.max_history, service.max_history_chars) {
  config_.max_history = std::min(config_.max_history, service.max_history);
  affiliations_[creator.bare()] = {Affiliation::owner, {}, {}};
}

MucRoom::MucRoom(Jid room, const MucRoomRecord& stored, const MucConfig& service)
    : jid_(std::move(room)), config_(stored.config), history_(service.max_history, service.max_history_chars) {
  // The service's limits may have shrunk since the room was stored.
  config_.persistent = true;
  config_.max_history = std::min(config_.max_history, service.max_history);
  for (const MucAffiliationRecord& a : stored.affiliations)
    if (a.affiliation != Affiliation::none) affiliations_[a.jid] = {a.affiliation, a.nick, a.reason};
  if (stored.subject) subject_ = Subject{stored.subject->text, stored.subject->nick, stored.subject->when};
  // Stored with the room's <delay/>, which add() keeps.
  for (const MucHistoryRecord& h : stored.history) history_.add(h.stanza, h.when, jid_.str());
}

MucRoomRecord MucRoom::record() const {
  MucRoomRecord r;
  r.id = jid_.local();
  r.config = config_;
  for (const auto& [jid, e] : affiliations_) r.affiliations.push_back({jid, e.affiliation, e.nick, e.reason});
  r.subject = subject_record();
  for (std::size_t i = 0; i < history_.size(); ++i) r.history.push_back({history_.stanza(i), history_.when(i)});
  return r;
}

MucAffiliationRecord MucRoom::affiliation_record(const Jid& jid) const {
  if (const AffiliationEntry* e = entry_of(jid)) return {jid, e->affiliation, e->nick, e->reason};
  return {jid, Affiliation::none, {}, {}};
}

std::optional<MucSubjectRecord> MucRoom::subject_record() const {
  if (!subject_) return std::nullopt;
  return MucSubjectRecord{subject_->text, subject_->nick, subject_->when};
}

MucRoom::Occupant* MucRoom::find_by_nick(const std::string& nick) {
  auto it = std::find_if(occupants_.begin(), occupants_.end(), [&](const Occupant& o) { return o.nick == nick; });
  return it == occupants_.end() ? nullptr : &*it;
}

MucRoom::Occupant* MucRoom::find_by_jid(const Jid& full) {
  auto it = std::find_if(occupants_.begin(), occupants_.end(), [&](const Occupant& o) { return o.jid == full; });
  return it == occupants_.end() ? nullptr : &*it;
}

const MucRoom::Occupant* MucRoom::find_by_jid(const Jid& full) const {
  auto it = std::find_if(occupants_.begin(), occupants_.end(), [&](const Occupant& o) { return o.jid == full; });
  return it == occupants_.end() ? nullptr : &*it;
}

const MucRoom::AffiliationEntry* MucRoom::entry_of(const Jid& bare) const {
  auto it = affiliations_.find(bare);
  return it == affiliations_.end() ? nullptr : &it->second;
}

Affiliation MucRoom::affiliation_of(const Jid& jid) const {
  if (const AffiliationEntry* e = entry_of(jid.bare())) return e->affiliation;
  // §9.2: a ban may name a whole domain.
  if (!jid.local().empty())
    if (auto domain = Jid::parse(jid.domain()))
      if (const AffiliationEntry* e = entry_of(*domain)) return e->affiliation;
  return Affiliation::none;
}

bool MucRoom::sees_real_jids(const Occupant& recipient) const {
  // §7.2.4 / §7.2.5: everyone in a non-anonymous room, moderators in a
  // semi-anonymous one.
  return config_.whois == Whois::anyone || recipient.role == Role::moderator;
}

Element MucRoom::item(const Occupant& subject, const Notice& notice, bool with_jid) const {
  Element it = muc::element("item", ns::muc_user);
  it.set_attribute("affiliation", notice.destroy ? "none" : to_string(affiliation_of(subject.jid)));
  if (with_jid) it.set_attribute("jid", subject.jid.str());
  if (!notice.new_nick.empty()) it.set_attribute("nick", notice.new_nick);
  it.set_attribute("role", to_string(subject.role));
  if (!notice.actor_nick.empty()) {
    Element actor = muc::element("actor", ns::muc_user);
    actor.set_attribute("nick", notice.actor_nick);
    it.add_child(std::move(actor));
  }
  if (!notice.reason.empty()) it.add_child(muc::text_element("reason", ns::muc_user, notice.reason));
  return it;
}

Element MucRoom::view(const Occupant& subject, const Notice& notice, const Occupant& recipient) const {
  const bool self = subject.jid == recipient.jid;
  Element p = muc::stanza("presence", occupant_jid(subject.nick), recipient.jid.str());
  if (self && !notice.self_id.empty()) p.set_attribute("id", notice.self_id);
  if (notice.unavailable) p.set_attribute("type", "unavailable");
  for (const Node& n : notice.presence.children)
    if (const Element* c = n.element()) p.add_child(*c);
  Element x = muc::element("x", ns::muc_user);
  // An occupant always sees its own JID; others' as the room type says.
  x.add_child(item(subject, notice, self || sees_real_jids(recipient)));
  if (notice.destroy) x.add_child(*notice.destroy);
  std::vector<int> codes = notice.codes;
  if (self) {
    codes.insert(codes.end(), notice.self_codes.begin(), notice.self_codes.end());
    codes.push_back(110);
  }
  std::sort(codes.begin(), codes.end());
  codes.erase(std::unique(codes.begin(), codes.end()), codes.end());
  for (int c : codes) x.add_child(muc::status(c));
  p.add_child(std::move(x));
  return p;
}

void MucRoom::send_presence(MucContext& ctx, const Occupant& subject, const Notice& notice,
                            const Occupant& recipient) {
  emit(ctx, view(subject, notice, recipient));
}

void MucRoom::broadcast_others(MucContext& ctx, const Occupant& subject, const Notice& notice) {
  for (const Occupant& o : occupants_)
    if (o.jid != subject.jid) send_presence(ctx, subject, notice, o);
}

void MucRoom::broadcast(MucContext& ctx, const Occupant& subject, const Notice& notice) {
  broadcast_others(ctx, subject, notice);
  // §7.2.3: the occupant's own presence comes last, so that it knows the
  // room roster is complete when it sees it.
  if (find_by_jid(subject.jid)) send_presence(ctx, subject, notice, subject);
}

void MucRoom::remove(MucContext& ctx, const std::string& nick, Notice notice) {
  auto it = std::find_if(occupants_.begin(), occupants_.end(), [&](const Occupant& o) { return o.nick == nick; });
  if (it == occupants_.end()) return;
  Occupant gone = std::move(*it);
  occupants_.erase(it);
  gone.role = Role::none;  // §17.2.8: role none says it is no longer there
  notice.unavailable = true;
  send_presence(ctx, gone, notice, gone);
  broadcast_others(ctx, gone, notice);
}

void MucRoom::reply_error(MucContext& ctx, const Element& stanza, const StanzaError& error) {
  if (auto reply = muc::error(stanza, error, jid_.str())) emit(ctx, std::move(*reply));
}

Element MucRoom::sanitized_presence(const Element& presence) {
  // §17.2.6: what a client says in the MUC namespaces is not reflected (a
  // password least of all); the rest passes (§17.2.7).
  Element p("presence", std::string(ns::client));
  for (const Node& n : presence.children) {
    const Element* c = n.element();
    if (!c || c->ns == ns::muc || c->ns == ns::muc_user) continue;
    p.add_child(*c);
  }
  return p;
}

void MucRoom::message_to_all(MucContext& ctx, const Element& message) {
  for (const Occupant& o : occupants_) {
    Element m = message;
    m.set_attribute("to", o.jid.str());
    emit(ctx, std::move(m));
  }
}

}  // namespace confab::xmpp
