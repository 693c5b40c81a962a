// RFC 6121 §2: roster get, set and remove, served on behalf of the user.
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/roster_item_xml.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

IqOutcome Router::roster_get(const IqRequest& r) {
  Session* s = session(r.session);
  Account* a = account(r.to);
  if (!s || !a) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  s->interested = true;  // §2.1.6: from now on it gets roster pushes
  const std::string version = std::to_string(a->roster_version);
  // §2.6.3: the client's cached roster is current: an empty result, and
  // pushes bring whatever changes next.
  if (r.payload.attribute("ver") == version) return std::optional<Element>();
  Element query("query", std::string(ns::roster));
  query.set_attribute("ver", version);
  for (const auto& [jid, item] : a->contacts)
    if (item.in_roster) query.add_child(roster_item_element(item));
  return std::optional<Element>(std::move(query));
}

IqOutcome Router::roster_set(const IqRequest& r) {
  auto request = parse_roster_set(r.payload, {config_.max_roster_name, config_.max_roster_groups});
  if (!request) return request.error();
  if (request->remove) return roster_remove(r, request->jid);
  Account* a = account(r.to);
  if (!a) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  const RosterItem* existing = contact(r.to, request->jid);
  if (!existing || !existing->in_roster) {
    std::size_t items = 0;
    for (const auto& [jid, item] : a->contacts) items += item.in_roster ? 1 : 0;
    if (items >= config_.max_roster_items)
      return StanzaError(Condition::resource_constraint, ErrorType::cancel,
                         "at most " + std::to_string(config_.max_roster_items) + " roster items");
  }
  RosterItem item = existing ? *existing : new_contact(request->jid);
  item.in_roster = true;
  item.name = request->name.value_or("");
  item.groups = std::move(request->groups);
  // §2.3.2: pushed to every interested resource, the requester included,
  // before the result.
  if (!save_contact(r.to, std::move(item), Push::always))
    return StanzaError(Condition::internal_server_error, ErrorType::wait);
  return std::optional<Element>();
}

IqOutcome Router::roster_remove(const IqRequest& r, const Jid& contact_jid) {
  const RosterItem* existing = contact(r.to, contact_jid);
  if (!existing || !existing->in_roster)
    return StanzaError(Condition::item_not_found, contact_jid.str() + " is not in the roster");
  const Jid user = r.to;
  const SubState st = state_of(existing);
  Element unsubscribe("presence", std::string(ns::client));
  unsubscribe.set_attribute("from", user.str());
  unsubscribe.set_attribute("to", contact_jid.str());
  Element unsubscribed = unsubscribe;
  unsubscribe.set_attribute("type", "unsubscribe");
  unsubscribed.set_attribute("type", "unsubscribed");
  // Removed first, so nothing the contact's side sends back in reaction
  // finds the item still there.
  if (!drop_contact(user, contact_jid, Push::always))
    return StanzaError(Condition::internal_server_error, ErrorType::wait);
  // §2.5.2: removing the item cancels the subscriptions both ways.
  if (subscribed_to(st) || pending_out(st))
    inbound_subscription(contact_jid, user, SubscriptionStanza::unsubscribe, unsubscribe);
  if (subscribed_from(st) || pending_in(st)) {
    inbound_subscription(contact_jid, user, SubscriptionStanza::unsubscribed, unsubscribed);
    // §3.2.2 as for an explicit "unsubscribed": the contact sees us go.
    if (subscribed_from(st)) send_presence_to_contact(user, contact_jid, true);
  }
  return std::optional<Element>();
}

}  // namespace confab::xmpp
