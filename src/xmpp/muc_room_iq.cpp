// IQs to a room: §6.4 disco#info (with the muc#roominfo form of XEP-0128),
// §6.5 disco#items, §7.12 the reserved-nick node, the muc#admin and
// muc#owner namespaces, pings; and to occupant JIDs, XEP-0410 self-pings
// (§17.4: other IQs are not relayed).
#include "xmpp/im_namespaces.hpp"
#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

void MucRoom::handle_iq(MucContext& ctx, const Element& iq, const Jid& from) {
  const auto type = iq.attribute("type").value_or("");
  if (type != "get" && type != "set") return;  // a result or error: the room asked nothing
  const Element& payload = *iq.elements().front();
  const bool get = type == "get";
  // §7.2.10: a locked room does not exist yet, except for its owner.
  if (locked_ && affiliation_of(from) != Affiliation::owner)
    return reply_error(ctx, iq, StanzaError(Condition::item_not_found));
  if (payload.is("query", ns::disco_info) && get) {
    Element info = disco_info(payload, from, ctx.archive_id && storable());
    if (info.name.empty()) return reply_error(ctx, iq, StanzaError(Condition::item_not_found));
    return emit(ctx, muc::iq_result(iq, std::move(info)));
  }
  if (payload.is("query", ns::disco_items) && get) {
    // §6.5: the occupant list is private here; no nodes.
    if (payload.attribute("node")) return reply_error(ctx, iq, StanzaError(Condition::item_not_found));
    return emit(ctx, muc::iq_result(iq, muc::element("query", ns::disco_items)));
  }
  if (payload.is("query", ns::muc_admin))
    return get ? admin_get(ctx, iq, payload, from) : admin_set(ctx, iq, payload, from);
  if (payload.is("query", ns::muc_owner)) return get ? owner_get(ctx, iq, from) : owner_set(ctx, iq, payload, from);
  if (payload.is("ping", ns::ping) && get) return emit(ctx, muc::iq_result(iq));
  const bool known = payload.ns == ns::disco_info || payload.ns == ns::disco_items || payload.ns == ns::ping;
  // RFC 6120 §8.4: an unknown payload (registration, §7.10, included) is
  // service-unavailable, a known one of the wrong type not implemented.
  reply_error(ctx, iq, StanzaError(known ? Condition::feature_not_implemented : Condition::service_unavailable));
}

void MucRoom::handle_occupant_iq(MucContext& ctx, const Element& iq, const Jid& from, const std::string& nick) {
  const auto type = iq.attribute("type").value_or("");
  if (type != "get" && type != "set") return;
  const Occupant* me = find_by_jid(from);
  const Element& payload = *iq.elements().front();
  if (payload.is("ping", ns::ping)) {
    // XEP-0410: a self-ping says whether the client is still in the room.
    if (!me) return reply_error(ctx, iq, StanzaError(Condition::not_acceptable, "you are not in this room"));
    if (me->nick == nick) return emit(ctx, muc::iq_result(iq));
  }
  // §6.6: not from outside; and nothing is relayed to occupants yet.
  if (!me) return reply_error(ctx, iq, StanzaError(Condition::bad_request, "you are not in this room"));
  reply_error(ctx, iq, StanzaError(Condition::service_unavailable, "IQs are not relayed to occupants"));
}

std::optional<StanzaError> MucRoom::may_read_archive(const Jid& from) const {
  // §7.2.10: a locked room does not exist yet, except for its owner.
  const Affiliation a = affiliation_of(from);
  if (locked_ && a != Affiliation::owner) return StanzaError(Condition::item_not_found);
  if (a == Affiliation::outcast) return StanzaError(Condition::forbidden, "you are banned from this room");
  // What only members or those with the password may hear is not for
  // anyone else to read; an occupant got in, so it heard it anyway.
  const bool closed = config_.members_only || config_.password_protected;
  if (closed && a < Affiliation::member && !find_by_jid(from))
    return StanzaError(Condition::forbidden, config_.members_only ? "the archive is for members of this room"
                                                                 : "the archive is for occupants of this room");
  return std::nullopt;
}

Element MucRoom::disco_info(const Element& query, const Jid& from, bool archived) const {
  Element info = muc::element("query", ns::disco_info);
  auto identity = [&](std::string_view name) {
    Element id = muc::element("identity", ns::disco_info);
    id.set_attribute("category", "conference");
    if (!name.empty()) id.set_attribute("name", std::string(name));
    id.set_attribute("type", "text");
    return id;
  };
  if (auto node = query.attribute("node")) {
    // §7.12: the requester's reserved nick, or nothing.
    if (*node != "x-roomuser-item") return Element();
    info.set_attribute("node", std::string(*node));
    if (const AffiliationEntry* e = entry_of(from.bare()); e && !e->nick.empty())
      info.add_child(identity(e->nick));
    return info;
  }
  info.add_child(identity(name()));
  // §6.4: what the room is, feature by feature (§16.3's registry).
  const char* features[] = {
      "http://jabber.org/protocol/disco#info",
      "http://jabber.org/protocol/muc",
      "http://jabber.org/protocol/muc#stable_id",
      // XEP-0410 §3.3: a self-ping is answered by the room itself.
      "http://jabber.org/protocol/muc#self-ping-optimization",
      config_.public_room ? "muc_public" : "muc_hidden",
      config_.persistent ? "muc_persistent" : "muc_temporary",
      config_.members_only ? "muc_membersonly" : "muc_open",
      config_.moderated ? "muc_moderated" : "muc_unmoderated",
      config_.whois == Whois::anyone ? "muc_nonanonymous" : "muc_semianonymous",
      config_.password_protected ? "muc_passwordprotected" : "muc_unsecured",
  };
  for (const char* f : features) {
    Element feature = muc::element("feature", ns::disco_info);
    feature.set_attribute("var", f);
    info.add_child(std::move(feature));
  }
  // XEP-0313 §5: stored rooms keep an archive (temporary ones do not).
  if (archived) {
    for (const char* f : {"urn:xmpp:mam:2", "urn:xmpp:mam:2#extended", "urn:xmpp:sid:0"}) {
      Element feature = muc::element("feature", ns::disco_info);
      feature.set_attribute("var", f);
      info.add_child(std::move(feature));
    }
  }
  // XEP-0128 extended information; the subject is left out (§19.4: it leaks).
  DataForm roominfo;
  roominfo.type = "result";
  roominfo.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::muc_roominfo)}, {}});
  if (!config_.description.empty())
    roominfo.fields.push_back({"muc#roominfo_description", "", "Description", {config_.description}, {}});
  roominfo.fields.push_back(
      {"muc#roominfo_occupants", "", "Number of occupants", {std::to_string(occupants_.size())}, {}});
  roominfo.fields.push_back({"muc#roomconfig_changesubject", "", "Occupants may change the subject",
                             {config_.change_subject ? "1" : "0"}, {}});
  roominfo.fields.push_back(
      {"muc#maxhistoryfetch", "", "Maximum number of history messages", {std::to_string(config_.max_history)}, {}});
  info.add_child(to_element(roominfo));
  return info;
}

}  // namespace confab::xmpp
