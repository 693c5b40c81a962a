// §7.13 requesting voice and §8.6 approving it: a visitor in a moderated
// room sends a muc#request form; the room asks every moderator with an
// approval form, and a moderator's submitted approval grants the voice.
#include "xmpp/muc_room.hpp"
#include "xmpp/muc_stanzas.hpp"

namespace confab::xmpp {

void MucRoom::voice_request(MucContext& ctx, const Element& message, const DataForm& form, const Jid& from) {
  const Occupant* sender = find_by_jid(from);
  if (!sender) return reply_error(ctx, message, StanzaError(Condition::not_acceptable, "you are not in this room"));
  if (auto allow = form.value("muc#request_allow")) {
    // §8.6: a moderator's answer.
    if (sender->role != Role::moderator) return reply_error(ctx, message, StanzaError(Condition::forbidden));
    auto granted = parse_form_boolean(*allow);
    if (!granted) return reply_error(ctx, message, StanzaError(Condition::bad_request, "muc#request_allow"));
    if (!*granted) return;  // declined: the visitor stays one
    const Occupant* visitor = find_by_nick(form.value("muc#roomnick").value_or(""));
    if (!visitor) return reply_error(ctx, message, StanzaError(Condition::item_not_found, "no such occupant"));
    if (visitor->role == Role::visitor) set_role(ctx, visitor->nick, Role::participant, "", sender->nick);
    return;
  }
  if (form.value("muc#role") != "participant")
    return reply_error(ctx, message, StanzaError(Condition::bad_request, "only voice can be requested"));
  if (sender->role != Role::visitor) return;  // it has voice already
  DataForm approval;
  approval.type = "form";
  approval.title = "Voice request";
  approval.instructions = "To approve this request for voice, select the \"Grant voice to this person?\" "
                          "checkbox and submit the form.";
  approval.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::muc_request)}, {}});
  approval.fields.push_back({"muc#role", "list-single", "Requested role", {"participant"}, {}});
  approval.fields.push_back({"muc#jid", "jid-single", "User ID", {sender->jid.str()}, {}});
  approval.fields.push_back({"muc#roomnick", "text-single", "Room Nickname", {sender->nick}, {}});
  approval.fields.push_back({"muc#request_allow", "boolean", "Grant voice to this person?", {"false"}, {}});
  const Element x = to_element(approval);
  for (const Occupant& o : occupants_) {
    if (o.role != Role::moderator) continue;  // moderators see real JIDs: the form may name it
    Element m = muc::stanza("message", jid_.str(), o.jid.str());
    m.add_child(x);
    emit(ctx, std::move(m));
  }
}

}  // namespace confab::xmpp
