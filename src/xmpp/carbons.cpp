// XEP-0280 message carbons: a user's carbons-enabled resources see the
// chats their other resources send and receive.
#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

// <message from='user' to='resource' type=...><sent|received xmlns=carbons>
//   <forwarded xmlns='urn:xmpp:forward:0'>original</forwarded></...></message>
Element wrap(std::string_view direction, const Jid& user, const Jid& to, const Element& original) {
  Element m("message", std::string(ns::client));
  m.set_attribute("from", user.str());
  m.set_attribute("to", to.str());
  if (auto type = original.attribute("type")) m.set_attribute("type", std::string(*type));
  Element forwarded("forwarded", std::string(ns::forward));
  forwarded.add_child(original);
  Element wrapper{std::string(direction), std::string(ns::carbons)};
  wrapper.add_child(std::move(forwarded));
  m.add_child(std::move(wrapper));
  return m;
}

}  // namespace

IqOutcome Router::carbons_set(const IqRequest& r, bool enable) {
  Session* s = session(r.session);
  if (!s) return StanzaError(Condition::internal_server_error);
  s->carbons = enable;
  return std::optional<Element>();
}

bool Router::carbon_eligible(const Element& message) {
  // §6 (as of XEP-0280 1.0): chat messages, and normal ones with a body;
  // never one marked private or no-copy, nor a carbon itself.
  if (message.child("private", ns::carbons) || message.child("no-copy", ns::hints)) return false;
  if (message.child("sent", ns::carbons) || message.child("received", ns::carbons)) return false;
  auto type = message.attribute("type").value_or("normal");
  if (type == "chat") return true;
  if (type == "normal" || (type != "groupchat" && type != "headline" && type != "error"))
    return message.child("body") != nullptr;
  return false;
}

void Router::carbons_sent(std::uint64_t from_session, const Element& message, const Element* archive_id) {
  Session* sender = session(from_session);
  if (!sender) return;
  const Jid user = sender->jid.bare();
  for (std::uint64_t id : sessions_of(user)) {
    Session* s = session(id);
    if (id == from_session || !s || !s->carbons) continue;
    ++counters_.carbons;
    if (!archive_id) {
      deliver(id, wrap("sent", user, s->jid, message));
      continue;
    }
    Element copy = message;
    copy.add_child(*archive_id);
    deliver(id, wrap("sent", user, s->jid, copy));
  }
}

void Router::carbons_received(const Jid& to_bare, const Element& message,
                              const std::vector<std::uint64_t>& delivered_to) {
  for (std::uint64_t id : sessions_of(to_bare)) {
    Session* s = session(id);
    if (!s || !s->carbons) continue;
    if (std::find(delivered_to.begin(), delivered_to.end(), id) != delivered_to.end()) continue;
    ++counters_.carbons;
    deliver(id, wrap("received", to_bare, s->jid, message));
  }
}

}  // namespace confab::xmpp
