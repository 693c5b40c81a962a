// What extensions (router_extension.hpp: MAM, PEP) ask of the router: a way
// to send to local users, and who shares presence with whom.
#include "xmpp/router.hpp"

namespace confab::xmpp {

void Router::add_extension(std::shared_ptr<RouterExtension> extension) {
  if (extension) extensions_.push_back(std::move(extension));
}

std::vector<Jid> Router::presence_subscribers(const Jid& user) {
  const Jid bare = user.bare();
  std::vector<Jid> out;
  if (Account* a = account(bare))
    for (const auto& [jid, item] : a->contacts)
      if (item.in_roster && subscribed_from(state_of(&item))) out.push_back(jid);
  std::erase_if(out, [&](const Jid& c) { return blocks(bare, c) || blocks(c, bare); });
  return out;
}

std::vector<Jid> Router::presence_sources(const Jid& user) {
  const Jid bare = user.bare();
  std::vector<Jid> candidates;
  if (Account* a = account(bare))
    for (const auto& [jid, item] : a->contacts)
      if (item.in_roster && subscribed_to(state_of(&item))) candidates.push_back(jid);
  // The contact's side decides (its roster says whether `user` may see it).
  std::erase_if(candidates, [&](const Jid& c) { return !receives_presence_of(bare, c); });
  return candidates;
}

bool Router::in_roster(const Jid& account, const Jid& contact_jid) {
  const RosterItem* item = contact(account.bare(), contact_jid.bare());
  return item && item->in_roster;
}

std::vector<Jid> Router::reachable_resources(const Jid& user) const {
  std::vector<Jid> out;
  for (std::uint64_t id : available_sessions_of(user.bare()))
    if (auto it = sessions_.find(id); it != sessions_.end() && it->second.priority >= 0) out.push_back(it->second.jid);
  return out;
}

}  // namespace confab::xmpp
