// XEP-0163: access, notifications (§4), last items on presence (§4.3.4),
// caps (XEP-0115) and disco (§6) of the PEP service on each account.
#include "xmpp/pep_service.hpp"

#include <algorithm>

#include "xmpp/delay.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

namespace {

Element item_element(std::string_view ns_name, const PepItem& item) {
  Element e("item", std::string(ns_name));
  e.set_attribute("id", item.id);
  if (!item.payload.empty())
    if (auto payload = parse_element(item.payload)) e.add_child(std::move(*payload));
  return e;
}

}  // namespace

Element items_event(const std::string& node, const PepItem& item) {
  Element event("event", std::string(ns::pubsub_event));
  Element items("items", std::string(ns::pubsub_event));
  items.set_attribute("node", node);
  items.add_child(item_element(ns::pubsub_event, item));
  event.add_child(std::move(items));
  return event;
}

Element retract_event(const std::string& node, const std::string& id) {
  Element event("event", std::string(ns::pubsub_event));
  Element items("items", std::string(ns::pubsub_event));
  items.set_attribute("node", node);
  items.add_child(Element("retract", std::string(ns::pubsub_event))).set_attribute("id", id);
  event.add_child(std::move(items));
  return event;
}

Element delete_event(const std::string& node) {
  Element event("event", std::string(ns::pubsub_event));
  event.add_child(Element("delete", std::string(ns::pubsub_event))).set_attribute("node", node);
  return event;
}

PepService::PepService(Router& router, XmppStore& store, Rng& rng, PepConfig config)
    : router_(router), store_(store), rng_(rng), config_(std::move(config)),
      caps_({.max_entries = config_.caps_cache, .max_pending = 256}) {
  // No clock of our own (the I/O layer owns it): without one, stamps are the epoch.
  if (!config_.wall_clock) config_.wall_clock = [](Instant) { return std::chrono::system_clock::time_point{}; };
}

bool PepService::may_access(const Jid& owner, const PepNodeConfig& config, const Jid& requester) {
  const Jid who = requester.bare();
  if (who == owner) return true;
  if (router_.is_blocked_by(owner, requester)) return false;
  if (config.access_model == "open") return true;
  if (config.access_model == "presence") return router_.shares_presence(who, owner);
  return false;  // whitelist: the owner alone
}

Element PepService::event_message(const Jid& owner, const Jid& to, Element event) {
  // §4.3.1: from the bare JID, so bounces come back to the service.
  Element m("message", std::string(ns::client));
  m.set_attribute("from", owner.str());
  m.set_attribute("to", to.str());
  m.set_attribute("type", "headline");
  m.set_attribute("id", "pep" + rng_.random_hex(6));
  m.add_child(std::move(event));
  return m;
}

void PepService::notify(const Jid& owner, const PepNode& node, const Element& event,
                        const std::optional<Jid>& publisher) {
  const std::string want = node.name + "+notify";
  // §4.3: the owner's own resources, then contacts with a presence
  // subscription, each resource filtered by its caps (§4.3.2).
  for (const Jid& full : router_.reachable_resources(owner))
    if (caps_.wants(full, want)) router_.route_local(event_message(owner, full, event));
  for (const Jid& contact : router_.presence_subscribers(owner)) {
    if (!may_access(owner, node.config, contact)) continue;
    for (const Jid& full : router_.reachable_resources(contact)) {
      if (!caps_.wants(full, want)) continue;
      Element m = event_message(owner, full, event);
      if (publisher) {
        // §4.3.1.3: a contact learns which resource published (XEP-0033 replyto).
        Element addresses("addresses", std::string(ns::addresses));
        Element& a = addresses.add_child(Element("address", std::string(ns::addresses)));
        a.set_attribute("type", "replyto");
        a.set_attribute("jid", publisher->str());
        m.add_child(std::move(addresses));
      }
      router_.route_local(std::move(m));
    }
  }
}

void PepService::send_last_items(const Jid& full) {
  const Jid me = full.bare();
  std::vector<Jid> owners = router_.presence_sources(me);
  owners.insert(owners.begin(), me);
  for (const Jid& owner : owners) {
    auto nodes = store_.pep_nodes(owner);
    if (!nodes) continue;
    for (const PepNode& node : *nodes) {
      if (!caps_.wants(full, node.name + "+notify") || !may_access(owner, node.config, me)) continue;
      auto last = store_.pep_items(owner, node.name, 1);
      if (!last || last->empty()) continue;
      Element m = event_message(owner, full, items_event(node.name, last->front()));
      m.add_child(delay_element(owner.str(), last->front().published));  // §4.3.4: when it was published
      router_.route_local(std::move(m));
    }
  }
}

void PepService::presence_available(Instant, const Jid& full, const Element& presence, bool initial) {
  auto caps = caps_of(presence);
  if (!caps) {
    caps_.forget(full);
    return;
  }
  const auto* before = caps_.features_of(full);
  if (auto ask = caps_.announce(full, *caps, full.domain(), rng_)) router_.route_local(std::move(*ask));
  const auto* now_known = caps_.features_of(full);
  if (now_known) {
    // Last items on coming online (§4.3.4), and when a resource's caps
    // change to ones already known.
    if (initial || now_known != before) send_last_items(full);
    awaiting_caps_.erase(full);
  } else if (initial) {
    awaiting_caps_.insert(full);  // sent when the disco#info answer is in
  }
}

void PepService::resource_unavailable(Instant, const Jid& full) {
  caps_.forget(full);
  awaiting_caps_.erase(full);
}

bool PepService::iq_answer(Instant, const Element& iq) {
  auto learned = caps_.answer(iq);
  if (!learned) return false;
  for (const Jid& full : *learned)
    if (awaiting_caps_.erase(full)) send_last_items(full);
  return true;
}

void PepService::account_disco_info(const Jid&, const Jid&, Element& query) {
  Element identity("identity", std::string(ns::disco_info));
  identity.set_attribute("category", "pubsub");
  identity.set_attribute("type", "pep");
  query.add_child(std::move(identity));
  const std::string base(ns::pubsub);
  for (const char* f : {"access-open", "access-presence", "access-whitelist", "auto-create", "auto-subscribe",
                        "create-nodes", "delete-items", "delete-nodes", "filtered-notifications", "last-published",
                        "persistent-items", "presence-notifications", "publish", "publish-options",
                        "retract-items", "retrieve-items"}) {
    Element feature("feature", std::string(ns::disco_info));
    feature.set_attribute("var", base + "#" + f);
    query.add_child(std::move(feature));
  }
  Element feature("feature", std::string(ns::disco_info));
  feature.set_attribute("var", base);
  query.add_child(std::move(feature));
  // XEP-0398 (pep_avatar.cpp) and XEP-0402 §5.2 (pep_bookmarks.cpp): both
  // forms of avatars and of bookmarks are kept in step.
  const std::string bookmarks(ns::bookmarks);
  for (const std::string& f : {std::string(ns::vcard_conversion), bookmarks + "#compat", bookmarks + "#compat-pep"}) {
    Element conversion("feature", std::string(ns::disco_info));
    conversion.set_attribute("var", f);
    query.add_child(std::move(conversion));
  }
}

void PepService::account_disco_items(const Jid& account, const Jid& requester, Element& query) {
  auto nodes = store_.pep_nodes(account);
  if (!nodes) return;
  // XEP-0163 §6.2: only the nodes the requester may see.
  for (const PepNode& node : *nodes) {
    if (!may_access(account, node.config, requester)) continue;
    Element item("item", std::string(ns::disco_items));
    item.set_attribute("jid", account.str());
    item.set_attribute("node", node.name);
    query.add_child(std::move(item));
  }
}

VcardSetHook register_pep(Router& router, XmppStore& store, Rng& rng, PepConfig config) {
  auto pep = std::make_shared<PepService>(router, store, rng, std::move(config));
  PepService* p = pep.get();  // the router keeps `pep` alive as long as the routes
  const std::string pubsub(ns::pubsub), owner(ns::pubsub_owner);
  for (IqTarget t : {IqTarget::own_account, IqTarget::other_account})
    router.add_iq_handler({pubsub, "pubsub", t, true, true, {}}, [p](const IqRequest& r) { return p->pubsub(r); });
  router.add_iq_handler({owner, "pubsub", IqTarget::own_account, true, true, {}},
                        [p](const IqRequest& r) { return p->owner(r); });
  // XEP-0049 §3: one's own private data only; asking for another account's
  // is forbidden (§3.3, not service-unavailable: the account may exist).
  const std::string priv(ns::private_xml);
  router.add_iq_handler({priv, "query", IqTarget::own_account, true, true, {priv}},
                        [p](const IqRequest& r) { return p->private_xml(r); });
  router.add_iq_handler({priv, "query", IqTarget::other_account, true, true, {}},
                        [](const IqRequest&) -> IqOutcome { return StanzaError(Condition::forbidden); });
  router.add_extension(std::move(pep));
  return [p](const IqRequest& r, const Element& vcard) { p->vcard_set(r, vcard); };
}

}  // namespace confab::xmpp
