// XEP-0191 blocking command: the block list, its pushes, and its effect on
// presence. Stanzas are checked where they are routed (blocks(),
// outbound_blocked()).
#include <algorithm>

#include "xmpp/block_match.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

Element item_list(std::string_view name, const std::vector<Jid>& jids) {
  Element e{std::string(name), std::string(ns::blocking)};
  for (const Jid& j : jids) {
    Element item("item", std::string(ns::blocking));
    item.set_attribute("jid", j.str());
    e.add_child(std::move(item));
  }
  return e;
}

bool matches_any(const std::vector<Jid>& items, const Jid& address) {
  return std::any_of(items.begin(), items.end(), [&](const Jid& i) { return block_matches(i, address); });
}

}  // namespace

bool Router::blocks(const Jid& account_bare, const Jid& address) {
  if (account_bare.local().empty() || !is_local_domain(account_bare.domain())) return false;
  Account* a = account(account_bare);
  return a && matches_any(a->blocklist, address);
}

bool Router::outbound_blocked(std::uint64_t id, const Element& stanza, const Jid& to) {
  Session* s = session(id);
  if (!s || !blocks(s->jid.bare(), to)) return false;
  // §3.5: the user is told, with the application condition <blocked/>.
  ++counters_.blocked;
  StanzaError error(Condition::not_acceptable, ErrorType::cancel);
  error.application = Element("blocked", std::string(ns::blocking_errors));
  send_error(stanza, error);
  return true;
}

IqOutcome Router::blocklist_get(const IqRequest& r) {
  Session* s = session(r.session);
  Account* a = account(r.to);
  if (!s || !a) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  s->blocklist_requested = true;  // §3.3: pushes go to resources that asked
  return std::optional<Element>(item_list("blocklist", a->blocklist));
}

IqOutcome Router::block_set(const IqRequest& r, bool block) {
  std::vector<Jid> jids;
  for (const Element* item : r.payload.elements()) {
    if (!item->is("item", ns::blocking)) continue;
    auto text = item->attribute("jid");
    if (!text) return StanzaError(Condition::bad_request, "an item without a jid");
    auto jid = Jid::parse(*text);
    if (!jid) return StanzaError(Condition::jid_malformed, jid.error().message);
    if (std::find(jids.begin(), jids.end(), *jid) == jids.end()) jids.push_back(std::move(*jid));
  }
  // §3.3: a block needs at least one item; an empty unblock means everyone.
  if (block && jids.empty()) return StanzaError(Condition::bad_request, "nothing to block");
  const Jid user = r.to;
  Account* a = account(user);
  if (!a) return StanzaError(Condition::internal_server_error, ErrorType::wait);

  std::vector<Jid> changed;
  if (block) {
    for (const Jid& j : jids)
      if (std::find(a->blocklist.begin(), a->blocklist.end(), j) == a->blocklist.end()) changed.push_back(j);
    if (a->blocklist.size() + changed.size() > config_.max_blocklist)
      return StanzaError(Condition::resource_constraint, ErrorType::cancel,
                         "at most " + std::to_string(config_.max_blocklist) + " blocked JIDs");
  } else {
    changed = jids.empty() ? a->blocklist : std::vector<Jid>{};
    for (const Jid& j : jids)
      if (std::find(a->blocklist.begin(), a->blocklist.end(), j) != a->blocklist.end()) changed.push_back(j);
  }

  // Whose presence flows change: contacts on the roster that an item matches.
  std::vector<Jid> affected;
  for (const auto& [jid, item] : a->contacts)
    if (item.in_roster && matches_any(changed, jid)) affected.push_back(jid);
  std::vector<Jid> was_sending, was_receiving;  // before the change
  for (const Jid& c : affected) {
    if (subscribed_from(state_of(contact(user, c))) && !blocks(user, c)) was_sending.push_back(c);
    if (subscribed_to(state_of(contact(user, c))) && !blocks(user, c)) was_receiving.push_back(c);
  }
  if (block) {
    // Our unavailable presence goes out while the blocked can still hear
    // it: to subscribers, and to whoever got directed presence.
    for (const Jid& c : was_sending) send_presence_to_contact(user, c, true);
    for (std::uint64_t id : sessions_of(user)) {
      Session* s = session(id);
      if (!s) continue;
      std::vector<Jid> ended;
      for (const Jid& j : s->directed)
        if (matches_any(changed, j)) ended.push_back(j);
      for (const Jid& j : ended) {
        s->directed.erase(j);
        Element p("presence", std::string(ns::client));
        p.set_attribute("from", s->jid.str());
        p.set_attribute("to", j.str());
        p.set_attribute("type", "unavailable");
        if (!j.is_full()) deliver_presence_to_account(j, p);
        else if (auto t = session_by_full_jid(j)) deliver(*t, std::move(p));
      }
    }
  }

  auto stored = block ? store_.block(user, changed) : store_.unblock(user, jids);
  if (!stored) {
    store_failed(stored.error());
    return StanzaError(Condition::internal_server_error, ErrorType::wait);
  }
  if (block) a->blocklist.insert(a->blocklist.end(), changed.begin(), changed.end());
  else if (jids.empty()) a->blocklist.clear();
  else std::erase_if(a->blocklist, [&](const Jid& j) { return std::find(jids.begin(), jids.end(), j) != jids.end(); });

  // §3.3 / §3.4: every resource that asked for the list hears of the change.
  for (std::uint64_t id : sessions_of(user)) {
    Session* s = session(id);
    if (!s || !s->blocklist_requested) continue;
    Element push("iq", std::string(ns::client));
    push.set_attribute("to", s->jid.str());
    push.set_attribute("type", "set");
    push.set_attribute("id", new_id("block"));
    push.add_child(item_list(block ? "block" : "unblock", jids));
    deliver(id, std::move(push));
  }

  if (block) {
    // The user stops hearing the blocked contacts: they look unavailable.
    for (const Jid& c : was_receiving)
      for (std::uint64_t cs : available_sessions_of(c)) {
        Session* s = session(cs);
        if (!s) continue;
        Element p("presence", std::string(ns::client));
        p.set_attribute("from", s->jid.str());
        p.set_attribute("to", user.str());
        p.set_attribute("type", "unavailable");
        for (std::uint64_t mine : available_sessions_of(user)) deliver(mine, p);
      }
  } else {
    // Unblocked subscribers get our presence again; we get theirs (a probe).
    for (const Jid& c : affected) {
      if (blocks(user, c)) continue;
      if (subscribed_from(state_of(contact(user, c)))) send_presence_to_contact(user, c, false);
      if (subscribed_to(state_of(contact(user, c))))
        for (std::uint64_t mine : available_sessions_of(user)) answer_probe(c, user, mine);
    }
  }
  return std::optional<Element>();
}

}  // namespace confab::xmpp
