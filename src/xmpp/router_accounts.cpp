// The router's view of accounts: roster and block list read through from
// the store while an account has sessions (or for the one stanza that is
// about it), written through on every change.
#include "xmpp/router.hpp"
#include "xmpp/roster_item_xml.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

namespace {

// What a roster push shows (RFC 6121 §2.1.2): pending_in and its stanza are
// the server's business, not the client's.
bool visible_change(const RosterItem* before, const RosterItem& after) {
  if (!before || !before->in_roster) return after.in_roster;
  if (!after.in_roster) return true;
  return before->subscription != after.subscription || before->ask != after.ask ||
         before->approved != after.approved || before->name != after.name || before->groups != after.groups;
}

}  // namespace

Router::Account* Router::account(const Jid& bare) {
  Account& a = accounts_[bare];
  if (a.loaded) return &a;
  maybe_idle_.push_back(bare);  // loaded for this stanza: forgotten after it unless a session holds it
  auto exists = store_.account_exists(bare);
  if (!exists) {
    store_failed(exists.error());
    return nullptr;
  }
  auto roster = store_.roster(bare);
  if (!roster) {
    store_failed(roster.error());
    return nullptr;
  }
  auto blocked = store_.blocklist(bare);
  if (!blocked) {
    store_failed(blocked.error());
    return nullptr;
  }
  a.exists = *exists;
  a.roster_version = roster->version;
  a.contacts.clear();
  for (RosterItem& item : roster->items) {
    Jid key = item.jid;
    a.contacts.emplace(std::move(key), std::move(item));
  }
  a.blocklist = std::move(*blocked);
  a.loaded = true;
  return &a;
}

bool Router::account_exists(const Jid& bare) {
  if (bare.local().empty() || !is_local_domain(bare.domain())) return false;
  Account* a = account(bare);
  return a && a->exists;
}

const RosterItem* Router::contact(const Jid& account_bare, const Jid& contact_bare) {
  Account* a = account(account_bare);
  if (!a) return nullptr;
  auto it = a->contacts.find(contact_bare);
  return it == a->contacts.end() ? nullptr : &it->second;
}

bool Router::save_contact(const Jid& account_bare, RosterItem item, Push push) {
  Account* a = account(account_bare);
  if (!a) return false;
  auto it = a->contacts.find(item.jid);
  const RosterItem* before = it == a->contacts.end() ? nullptr : &it->second;
  if (!item.in_roster && !item.pending_in) {
    // Nothing left to remember: a denied request from a stranger.
    const bool was_visible = before && before->in_roster;
    if (before) {
      auto v = store_.remove_roster_item(account_bare, item.jid);
      if (!v) {
        store_failed(v.error());
        return false;
      }
      a->roster_version = *v;
      a->contacts.erase(it);
    }
    if (was_visible && push != Push::never) roster_push(account_bare, item, true, a->roster_version);
    return true;
  }
  if (before && *before == item) return true;  // nothing to write
  const bool changed = visible_change(before, item);
  auto v = store_.put_roster_item(account_bare, item);
  if (!v) {
    store_failed(v.error());
    return false;
  }
  a->roster_version = *v;
  a->contacts[item.jid] = item;
  if (item.in_roster && (push == Push::always || (push == Push::if_changed && changed)))
    roster_push(account_bare, item, false, a->roster_version);
  if (item.in_roster && push == Push::deferred && changed) held_push_ = HeldPush{account_bare, item, a->roster_version};
  return true;
}

void Router::flush_push() {
  if (!held_push_) return;
  HeldPush p = std::move(*held_push_);
  held_push_.reset();
  roster_push(p.account, p.item, false, p.version);
}

bool Router::drop_contact(const Jid& account_bare, const Jid& contact_bare, Push push) {
  Account* a = account(account_bare);
  if (!a) return false;
  auto it = a->contacts.find(contact_bare);
  if (it == a->contacts.end()) return true;
  RosterItem gone = it->second;
  auto v = store_.remove_roster_item(account_bare, contact_bare);
  if (!v) {
    store_failed(v.error());
    return false;
  }
  a->roster_version = *v;
  a->contacts.erase(contact_bare);
  if (gone.in_roster && push != Push::never) roster_push(account_bare, gone, true, a->roster_version);
  return true;
}

void Router::roster_push(const Jid& account_bare, const RosterItem& item, bool removed, std::int64_t version) {
  // RFC 6121 §2.1.6: an IQ set to every interested resource, no `from`
  // (it comes from the user's own account).
  for (std::uint64_t id : sessions_of(account_bare)) {
    Session* s = session(id);
    if (!s || !s->interested) continue;
    Element iq("iq", std::string(ns::client));
    iq.set_attribute("to", s->jid.str());
    iq.set_attribute("type", "set");
    iq.set_attribute("id", new_id("push"));
    Element query("query", std::string(ns::roster));
    query.set_attribute("ver", std::to_string(version));
    query.add_child(roster_item_element(item, removed));
    iq.add_child(std::move(query));
    ++counters_.roster_pushes;
    deliver(id, std::move(iq));
  }
}

// Only the accounts this call loaded or left without a session are looked
// at: scanning every account on every stanza made the router's cost grow
// with the number of users online (69 % of the CPU at 3,000 sessions).
void Router::evict_idle_accounts() {
  for (const Jid& bare : maybe_idle_)
    if (auto it = accounts_.find(bare); it != accounts_.end() && it->second.sessions.empty()) accounts_.erase(it);
  maybe_idle_.clear();
}

void Router::store_failed(const StorageError& e) {
  ++counters_.store_errors;
  last_store_error_ = e.message;
}

}  // namespace confab::xmpp
