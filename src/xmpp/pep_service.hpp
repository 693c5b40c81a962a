#pragma once
// Internal to XEP-0163 (pep.hpp): the service behind every account's bare
// JID. pep_service.cpp: who may see a node, notifications, presence and caps;
// pep_iq.cpp: the pubsub IQs; private_storage.cpp: XEP-0049 over them.
#include <unordered_map>
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
  // pep_avatar.cpp: XEP-0398. An account stored a vCard: its PHOTO becomes
  // the XEP-0084 avatar (data and metadata nodes), no PHOTO no avatar.
  void vcard_set(const IqRequest& r, const Element& vcard);
  // ...and the avatar's hash goes into the account's presence (XEP-0153).
  void presence_outgoing(Instant now, const Jid& full, Element& presence) override;

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
  // A publish or retract of the owner's changed `node`: the conversions
  // below, unless this change is one of theirs.
  void converted(const IqRequest& r, const std::string& node);
  // The newest item of `node` (nullopt: none, or no node).
  std::optional<PepItem> newest_item(const Jid& owner, const std::string& node);
  // <publish node=…><item id=…>payload</item></publish>, as the conversions publish.
  static Element publish_request(std::string_view node, const std::string& id, Element payload);

  // pep_bookmarks.cpp: XEP-0402 §5.2 (#compat, #compat-pep): bookmarks
  // published to urn:xmpp:bookmarks:1 are rewritten as the XEP-0048
  // storage:bookmarks (private XML and PEP alike), and the other way.
  void bookmarks_to_legacy(const IqRequest& r);
  void legacy_to_bookmarks(const IqRequest& r);

  // pep_avatar.cpp: XEP-0398. A XEP-0084 metadata publish becomes the vCard PHOTO.
  void avatar_to_vcard(const IqRequest& r);
  // The account's avatar hash as presence carries it ("" none; nullopt: the
  // server cannot tell, its vCard's PHOTO not being base64), cached.
  std::optional<std::string> avatar_hash(const Jid& owner);

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
  bool converting_ = false;                // publishing a conversion: not converted back
  std::unordered_map<Jid, std::optional<std::string>> avatar_hashes_;  // by bare JID; bounded by config_.avatar_hashes
};

// The <event/> of a publish (one item), a retraction or a deletion.
Element items_event(const std::string& node, const PepItem& item);
Element retract_event(const std::string& node, const std::string& id);
Element delete_event(const std::string& node);

}  // namespace confab::xmpp
