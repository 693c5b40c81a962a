#pragma once
// Internal to XEP-0163 (pep.hpp): the service behind every account's bare
// JID. pep_service.cpp: who may see a node, notifications, presence and caps;
// pep_iq.cpp: the pubsub IQs; private_storage.cpp: XEP-0049 over them.
#include <unordered_set>

#include "xmpp/caps.hpp"
#include "xmpp/pep.hpp"

namespace confab::xmpp {

class PepService final : public RouterExtension {
 public:
  PepService(Router& router, XmppStore& store, Rng& rng, PepConfig config);

  // pep_iq.cpp: <pubsub/> and <pubsub xmlns='...#owner'/> requests.
  IqOutcome pubsub(const IqRequest& r);
  IqOutcome owner(const IqRequest& r);
  // private_storage.cpp: XEP-0049 jabber:iq:private, kept in PEP nodes
  // (XEP-0223).
  IqOutcome private_xml(const IqRequest& r);

  void presence_available(Instant now, const Jid& full, const Element& presence, bool initial) override;
  void resource_unavailable(Instant now, const Jid& full) override;
  bool iq_answer(Instant now, const Element& iq) override;
  void account_disco_info(const Jid& account, const Jid& requester, Element& query) override;
  void account_disco_items(const Jid& account, const Jid& requester, Element& query) override;

 private:
  // pep_iq.cpp
  IqOutcome publish(const IqRequest& r, const Element& publish, const Element* options);
  IqOutcome retract(const IqRequest& r, const Element& retract);
  IqOutcome items(const IqRequest& r, const Element& items);
  IqOutcome create(const IqRequest& r, const Element& create, const Element* configure);
  IqOutcome delete_node(const IqRequest& r, const Element& del);
  std::optional<PepNode> find_node(const Jid& account, const std::string& name, StanzaError* error);

  // pep_service.cpp
  bool may_access(const Jid& owner, const PepNodeConfig& config, const Jid& requester);
  // Notifies everyone interested in `node` of `owner`: the owner's
  // resources and contacts' resources whose caps want node+notify.
  void notify(const Jid& owner, const PepNode& node, const Element& event, const std::optional<Jid>& publisher);
  // The last item of every node `full` wants and may see, of its own
  // account and of every contact whose presence it receives.
  void send_last_items(const Jid& full);
  Element event_message(const Jid& owner, const Jid& to, Element event);

  Router& router_;
  XmppStore& store_;
  Rng& rng_;
  PepConfig config_;
  CapsCache caps_;
  std::unordered_set<Jid> awaiting_caps_;  // came online with caps not yet known: last items once they are
};

// The <event/> of a publish (one item), a retraction or a deletion.
Element items_event(const std::string& node, const PepItem& item);
Element retract_event(const std::string& node, const std::string& id);
Element delete_event(const std::string& node);

}  // namespace confab::xmpp
