// XEP-0160: messages for a user with no available resource are stored and
// delivered after the next initial presence, each with its <delay/> stamp.
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

constexpr std::string_view chatstates = "http://jabber.org/protocol/chatstates";

}  // namespace

bool Router::worth_storing(const Element& message) const {
  // XEP-0334 hints first; then a body is always kept, and a message of only
  // chat states (XEP-0085 §5.6: SHOULD NOT be stored) or a thread is not.
  if (message.child("no-store", ns::hints)) return false;
  if (message.child("store", ns::hints)) return true;
  for (const Element* c : message.elements()) {
    if (c->ns == chatstates || c->ns == ns::hints || c->ns == ns::delay) continue;  // a stamp is no content
    if (c->ns == ns::client && c->name == "thread") continue;
    return true;
  }
  return false;
}

void Router::store_offline(const Jid& to_bare, const Element& stanza) {
  if (!worth_storing(stanza)) {
    ++counters_.messages_dropped;
    return;
  }
  auto stored = store_.store_offline(to_bare, stanza);
  if (stored) {
    ++counters_.messages_stored;
    return;
  }
  // Refused (full, too big) or failed: the sender must learn that this
  // message will not arrive (XEP-0160 §3: service-unavailable).
  if (stored.error().kind == StorageError::Kind::unavailable) {
    store_failed(stored.error());
    return send_error(stanza, StanzaError(Condition::internal_server_error, ErrorType::wait,
                                          "the message could not be stored"));
  }
  send_error(stanza, StanzaError(Condition::service_unavailable, stored.error().message));
}

void Router::deliver_offline(std::uint64_t id) {
  Session* s = session(id);
  if (!s) return;
  const Jid user = s->jid.bare();
  const std::size_t batch = std::max<std::size_t>(config_.offline_batch, 1);
  for (;;) {
    // Each batch leaves the store in the transaction that hands it here:
    // never both stored and delivered, so never delivered twice.
    auto taken = store_.take_offline(user, batch);
    if (!taken) return store_failed(taken.error());
    for (OfflineMessage& m : *taken) {
      ++counters_.offline_delivered;
      deliver(id, std::move(m.stanza));
    }
    if (taken->size() < batch) return;
  }
}

}  // namespace confab::xmpp
