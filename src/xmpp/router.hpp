#pragma once
// The XMPP server's routing core (RFC 6121), sans-I/O: one object per
// server, single-threaded, fed by the I/O layer with the stanzas of bound
// c2s sessions; it answers with deliveries to sessions, polled.
//
// It binds resources (the new session wins a conflict), keeps rosters and
// the subscription state machine of RFC 6121 §3 / Appendix A, broadcasts
// presence (§4: initial presence, probes, directed presence, unavailable on
// close), routes messages and IQs by the rules of §8.5 (priorities, offline
// storage with XEP-0160 / XEP-0203, stanza errors of RFC 6120 §8.3), and
// serves disco (XEP-0030), ping (XEP-0199), version (XEP-0092), blocking
// (XEP-0191), client state indication (XEP-0352) and carbons (XEP-0280).
// Everything that must outlive the process is in an XmppStore. Services on
// their own domains (MUC) plug in as Components.
//
//   Router router(config, store, rng);
//   auto jid = router.bind(session, account, requested_resource);  // from the c2s session
//   router.handle_stanza(now, session, stanza);                     // every stanza it reads
//   while (auto d = router.poll_delivery()) write d->stanza to d->session (or close it)
//   router.session_closed(now, session);                            // when the stream ends
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/rng.hpp"
#include "core/time.hpp"
#include "xmpp/component.hpp"
#include "xmpp/jid.hpp"
#include "xmpp/remote_route.hpp"
#include "xmpp/resource_binder.hpp"
#include "xmpp/router_extension.hpp"
#include "xmpp/router_types.hpp"
#include "xmpp/stanza_error.hpp"
#include "xmpp/subscription_state.hpp"
#include "xmpp/xml_element.hpp"
#include "xmpp/xmpp_storage.hpp"

namespace confab::xmpp {

class Router : public ResourceBinder {
 public:
  Router(RouterConfig config, XmppStore& store, Rng& rng);

  // RFC 6120 §7: binds `requested` (empty: a random resource) for the
  // authenticated bare JID `account`. A resource already bound by another
  // session is taken over: that session gets a <conflict/> stream error
  // (a Delivery with close set) and is forgotten as if it had closed.
  Result<Jid, BindError> bind(std::uint64_t session, const Jid& account, std::string_view requested) override;

  // The session's stream ended (or it was closed): unavailable presence to
  // whoever had its presence, directed presence included. Unknown sessions
  // are ignored, so calling it after a conflict close is harmless.
  void session_closed(Instant now, std::uint64_t session);

  // XEP-0198 §5: `owner`'s session has ended (session_closed() first) and
  // these are the stanzas it never acknowledged. They are treated as if
  // sent to an unavailable resource: chat and normal messages go to the
  // account's other available resources (RFC 6121 §8.5.2) or to offline
  // storage with a <delay/> of when they were first sent (when
  // config.wall_clock is set), never archived twice; IQ requests get
  // service-unavailable; presence, groupchat, headline and error messages,
  // carbons and archive results are dropped (unacked_stanzas.cpp).
  void unacked_stanzas(Instant now, const Jid& owner, std::vector<UnackedStanza> stanzas);

  // One first-level element from a bound session: <message/>, <presence/>,
  // <iq/> in jabber:client, or XEP-0352's <active/>/<inactive/>. Its
  // `from` is (re)stamped with the session's full JID.
  void handle_stanza(Instant now, std::uint64_t session, const Element& stanza);

  std::optional<Delivery> poll_delivery();

  // No timers yet; here so the I/O layer drives the router like every machine.
  std::optional<Instant> poll_timeout() const { return std::nullopt; }
  void handle_timeout(Instant) {}

  // Adds a route to the IQ handler table (the seam for later features); a
  // route for the same (namespace, name, target) replaces the earlier one.
  void add_iq_handler(IqRoute route, IqHandler handler);
  // Extra disco#info features of the server (e.g. "msgoffline").
  void add_server_feature(std::string feature);
  // Hands `component` every stanza addressed to its domain, and routes what
  // it sends to local users; it is listed in the server's disco#items. Not
  // owned: it must outlive the router. False (and nothing added) if its
  // domain is one of ours or another component's.
  [[nodiscard]] bool add_component(Component& component);
  // The component is gone (an external one's connection ended: XEP-0114):
  // it is no longer driven or listed, and stanzas users send to its domain
  // get service-unavailable until a component for it is added again.
  void remove_component(const Component& component);
  // Routes what components have to send now: an external component's
  // stanzas arrive on its own connection, not during a call into the router.
  void route_from_components(Instant now);
  // Federation: stanzas to domains that are neither ours nor a component's
  // go to `remote` (not owned; null: remote-server-not-found, as without
  // federation), and what it polls is routed like any inbound stanza
  // (router_remote.cpp) when route_from_remote() is called.
  void set_remote_route(RemoteRoute* remote) { remote_ = remote; }
  void route_from_remote(Instant now);
  // A feature on accounts' bare JIDs (MAM, PEP: router_extension.hpp),
  // called on the events it hooks; the router keeps it alive.
  void add_extension(std::shared_ptr<RouterExtension> extension);

  // router_extensions.cpp: what extensions ask of the router.
  // A stanza from the server or on an account's behalf (`from` a served
  // domain or a local bare JID) to a local user, routed at once like an
  // inbound one: messages by RFC 6121 §8.5, presence and IQs to a resource.
  void route_local(Element stanza);
  // Bare JIDs that receive `user`'s presence (their subscription is from or
  // both in `user`'s roster, neither side blocking), and whose presence
  // `user` receives.
  std::vector<Jid> presence_subscribers(const Jid& user);
  std::vector<Jid> presence_sources(const Jid& user);
  bool shares_presence(const Jid& contact, const Jid& user) { return receives_presence_of(contact.bare(), user.bare()); }
  bool is_blocked_by(const Jid& account, const Jid& address) { return blocks(account.bare(), address); }
  // Whether `contact` (bare) is in `account`'s roster (XEP-0441's "roster" mode).
  bool in_roster(const Jid& account, const Jid& contact);
  // The full JIDs of `user`'s available resources with a non-negative priority.
  std::vector<Jid> reachable_resources(const Jid& user) const;
  // The server's own disco#info <query/> (XEP-0115: its caps are hashed from it).
  Element server_info() const;

  RouterCounters counters() const;
  // The last store failure, for the log (counters().store_errors counts them).
  const std::string& last_store_error() const { return last_store_error_; }

  // Introspection for the I/O layer and tests.
  std::optional<Jid> session_jid(std::uint64_t session) const;
  bool is_available(std::uint64_t session) const;
  bool is_local_domain(std::string_view domain) const;

 private:
  struct Session {
    Jid jid;                          // full
    bool available = false;           // sent initial presence, not yet unavailable
    std::optional<Element> presence;  // the last broadcast available presence, `from` stamped
    int priority = 0;
    bool interested = false;          // asked for the roster (RFC 6121 §2.1.6 "interested resource")
    bool blocklist_requested = false; // gets XEP-0191 pushes
    bool carbons = false;             // XEP-0280 enabled
    bool inactive = false;            // XEP-0352
    std::vector<Element> held;        // XEP-0352: the latest presence of each sender, in arrival order
    std::set<Jid> directed;           // §4.6: got directed presence without a subscription
  };

  // What the router knows of one account while it has sessions or is being
  // talked about: its roster and block list, read through from the store.
  struct Account {
    std::vector<std::uint64_t> sessions;  // bound, in bind order
    bool loaded = false;
    bool exists = false;
    std::int64_t roster_version = 0;
    std::map<Jid, RosterItem> contacts;   // by bare JID, in_roster or only pending_in
    std::vector<Jid> blocklist;
  };

  struct IqEntry {
    IqRoute route;
    IqHandler handler;
  };

  // router.cpp: sessions and dispatch.
  void deliver(std::uint64_t session, Element stanza);
  // Returns the error for `stanza` to its sender (its `from`), if it may be
  // answered at all (never an error, never a result).
  void send_error(const Element& stanza, const StanzaError& error);
  void forget_session(std::uint64_t session);
  Session* session(std::uint64_t id);
  std::vector<std::uint64_t> sessions_of(const Jid& bare) const;
  std::vector<std::uint64_t> available_sessions_of(const Jid& bare) const;
  std::optional<std::uint64_t> session_by_full_jid(const Jid& full) const;
  std::string new_id(std::string_view prefix);

  // router_accounts.cpp: the account cache over the store.
  Account* account(const Jid& bare);  // loads; nullptr if the store failed
  bool account_exists(const Jid& bare);
  const RosterItem* contact(const Jid& account_bare, const Jid& contact_bare);
  // Roster pushes (RFC 6121 §2.1.6) after a write: a roster set always
  // pushes; a subscription change only when the item the client sees
  // changed; some writes are silent.
  // `deferred`: as if_changed, but held until flush_push() (§3.1.6 delivers
  // the stanza first, then pushes).
  enum class Push : std::uint8_t { never, if_changed, always, deferred };
  bool save_contact(const Jid& account_bare, RosterItem item, Push push);
  bool drop_contact(const Jid& account_bare, const Jid& contact_bare, Push push);
  void flush_push();
  void evict_idle_accounts();
  std::vector<Jid> maybe_idle_;  // accounts to forget after this call if no session holds them
  void store_failed(const StorageError& e);

  // roster_iq.cpp: RFC 6121 §2.
  IqOutcome roster_get(const IqRequest& r);
  IqOutcome roster_set(const IqRequest& r);
  IqOutcome roster_remove(const IqRequest& r, const Jid& contact);
  void roster_push(const Jid& account_bare, const RosterItem& item, bool removed, std::int64_t version);

  // presence_broadcast.cpp: RFC 6121 §4.
  void handle_presence(Instant now, std::uint64_t session, Element stanza);
  void broadcast_available(std::uint64_t session, Element presence);
  void broadcast_unavailable(std::uint64_t session, Element presence, bool include_self);
  void directed_presence(std::uint64_t session, Element presence, const Jid& to);
  void send_presence_to_contact(const Jid& user_bare, const Jid& contact_bare, bool unavailable);
  void answer_probe(const Jid& contact_bare, const Jid& prober_bare, std::uint64_t to_session);
  void deliver_presence_to_account(const Jid& to_bare, const Element& presence);
  bool receives_presence_of(const Jid& contact_bare, const Jid& user_bare);

  // presence_subscription.cpp: RFC 6121 §3 and Appendix A.
  void outbound_subscription(std::uint64_t session, Element stanza, SubscriptionStanza kind, const Jid& contact);
  // `user` (bare) receives `kind` from `from` (bare).
  void inbound_subscription(const Jid& user, const Jid& from, SubscriptionStanza kind, const Element& stanza);
  void deliver_pending_subscriptions(std::uint64_t session);
  void send_to_interested(const Jid& bare, const Element& stanza);

  // message_routing.cpp: RFC 6121 §5 and §8.5.
  void handle_message(std::uint64_t session, Element stanza);
  // `accepted`: tell extensions the account accepted it (false when it is
  // routed again after an unacknowledged delivery: MAM has it already).
  void message_to_account(Element stanza, const Jid& to, bool copies, bool accepted = true);

  // unacked_stanzas.cpp: XEP-0198 §5.
  void unacked_message(Element stanza, const Jid& owner, std::chrono::system_clock::time_point sent);
  void unacked_iq(const Element& stanza);

  // offline_delivery.cpp: XEP-0160.
  bool worth_storing(const Element& message) const;
  void store_offline(const Jid& to_bare, const Element& stanza);
  void deliver_offline(std::uint64_t session);

  // iq_dispatch.cpp: RFC 6120 §8.2.3, RFC 6121 §8.5, the handler table.
  void handle_iq(Instant now, std::uint64_t session, Element stanza);
  void serve_iq(Instant now, std::uint64_t session, const Element& stanza, const Jid& to, IqTarget target);
  void register_builtin_handlers();

  // iq_server_features.cpp: XEP-0030, XEP-0199, XEP-0092.
  IqOutcome disco_info(const IqRequest& r, IqTarget target);
  IqOutcome disco_items(const IqRequest& r, IqTarget target);
  IqOutcome version(const IqRequest& r);

  // blocking.cpp: XEP-0191.
  bool blocks(const Jid& account_bare, const Jid& address);
  IqOutcome blocklist_get(const IqRequest& r);
  IqOutcome block_set(const IqRequest& r, bool block);
  bool outbound_blocked(std::uint64_t session, const Element& stanza, const Jid& to);

  // carbons.cpp: XEP-0280.
  IqOutcome carbons_set(const IqRequest& r, bool enable);
  static bool carbon_eligible(const Element& message);
  void carbons_sent(std::uint64_t from_session, const Element& message, const Element* archive_id);
  void carbons_received(const Jid& to_bare, const Element& message, const std::vector<std::uint64_t>& delivered_to);

  // component_routing.cpp: stanzas to and from Components.
  Component* component_for(std::string_view domain) const;
  bool route_to_component(std::uint64_t session, const Element& stanza);
  void pump_components();
  void from_component(Element stanza);
  bool to_offline_component(const Element& stanza, const Jid& to);

  // router_remote.cpp: stanzas to and from other servers.
  bool is_remote(const Jid& to) const { return !is_local_domain(to.domain()) && !component_for(to.domain()); }
  void to_remote(const Element& stanza);
  void from_remote(Element stanza);
  void remote_presence(const Element& presence, const Jid& from, const Jid& to);
  void remote_iq(const Element& iq, const Jid& from, const Jid& to);
  void answer_remote_probe(const Jid& user_bare, const Jid& prober);

  // csi.cpp: XEP-0352.
  void handle_csi(std::uint64_t session, const Element& nonza);
  bool hold_presence(Session& s, Element& stanza);

  RouterConfig config_;
  XmppStore& store_;
  Rng& rng_;
  RouterCounters counters_;
  std::deque<Delivery> deliveries_;
  std::unordered_map<std::uint64_t, Session> sessions_;
  std::unordered_map<Jid, std::uint64_t> by_full_jid_;
  std::unordered_map<Jid, Account> accounts_;
  std::vector<IqEntry> iq_handlers_;
  std::vector<std::string> server_features_;
  std::vector<Component*> components_;
  RemoteRoute* remote_ = nullptr;
  std::set<std::string> offline_components_;  // domains of removed components (remove_component)
  std::vector<std::shared_ptr<RouterExtension>> extensions_;
  // The latest `now` the I/O layer gave: what components are told on paths
  // that have no time of their own (a bind replacing a session).
  Instant now_{};
  struct HeldPush {
    Jid account;
    RosterItem item;
    std::int64_t version;
  };
  std::optional<HeldPush> held_push_;
  std::string last_store_error_;
};

}  // namespace confab::xmpp
