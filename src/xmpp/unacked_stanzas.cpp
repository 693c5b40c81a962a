// XEP-0198 §5: when a session with stream management ends for good (the
// resumption window passed, the client closed its stream, the server shut
// down, a new session took its resource), what it sent its client and never
// had acknowledged may never have arrived. "The server SHOULD treat
// unacknowledged stanzas in the same way that it would treat a stanza sent
// to an unavailable resource": so each goes through RFC 6121 §8.5 again as
// if addressed to the resource that is gone. Acknowledged stanzas never get
// here (the session forgot them when <a h/> came), so nothing is stored
// twice.
#include <chrono>

#include "xmpp/delay.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

constexpr std::string_view mam_ns = "urn:xmpp:mam:2";  // XEP-0313 (mam.hpp is an extension's)

// Copies of a message that exists elsewhere: a carbon (the original went
// to, or came from, another resource), a page of an archive query (it is
// in the archive). Storing them again would hand the user a duplicate.
bool is_copy(const Element& message) {
  return message.child("sent", ns::carbons) != nullptr || message.child("received", ns::carbons) != nullptr ||
         message.child("result", mam_ns) != nullptr;
}

}  // namespace

void Router::unacked_stanzas(Instant now, const Jid& owner, std::vector<UnackedStanza> stanzas) {
  now_ = std::max(now_, now);
  for (UnackedStanza& u : stanzas) {
    if (u.stanza.ns != ns::client) {
      ++counters_.unacked_dropped;
      continue;
    }
    if (u.stanza.name == "message") {
      // The wall-clock time it was first sent: `now` on the wall clock less
      // how long ago (monotonic) that was.
      std::chrono::system_clock::time_point sent{};
      if (config_.wall_clock)
        sent = config_.wall_clock(now_) -
               std::chrono::duration_cast<std::chrono::system_clock::duration>(now_ - std::min(u.sent, now_));
      unacked_message(std::move(u.stanza), owner, sent);
    } else if (u.stanza.name == "iq") {
      unacked_iq(u.stanza);
    } else {
      // Presence: the contact's presence is probed again at the next login,
      // and pending subscription requests are kept in the roster and
      // delivered again (RFC 6121 §3.1.3).
      ++counters_.unacked_dropped;
    }
  }
  pump_components();
  evict_idle_accounts();
}

void Router::unacked_message(Element st, const Jid& owner, std::chrono::system_clock::time_point sent) {
  const std::string_view type = st.attribute("type").value_or("normal");
  // §8.5.3.2.1 for a resource that is gone: groupchat (the room tracks
  // occupants itself), headline (of the moment) and errors are not kept.
  // Any other type is chat or normal (an unknown one is normal, §5.2.2).
  if (type == "groupchat" || type == "headline" || type == "error" || is_copy(st)) {
    ++counters_.unacked_dropped;
    return;
  }
  // Addressed to the resource that ended (or its bare JID): routed by
  // RFC 6121 §8.5 from here. A full JID now unbound counts as the bare JID
  // (§8.5.3.2.1); one bound again by a new session gets it there.
  Jid to = owner;
  if (auto text = st.attribute("to"))
    if (auto parsed = Jid::parse(*text); parsed && parsed->bare() == owner.bare()) to = std::move(*parsed);
  st.set_attribute("to", to.str());
  // XEP-0203: when it was first sent, not when it was stored; a message
  // that came from offline storage keeps the stamp it has (add_delay keeps
  // the first one from the same entity).
  if (config_.wall_clock) add_delay(st, to.domain(), sent);
  ++counters_.unacked_rerouted;
  // No carbons (the other resources had theirs when it was first routed);
  // not "accepted" again (MAM archived it then).
  message_to_account(std::move(st), to, false, false);
}

void Router::unacked_iq(const Element& st) {
  const std::string_view type = st.attribute("type").value_or("");
  if (type != "get" && type != "set") {
    ++counters_.unacked_dropped;  // a result or error: nobody waits for it
    return;
  }
  // §8.5.3.2.2: a request to a resource that is not there. The requester
  // may be a local user, or the server itself (an extension's disco query,
  // which would otherwise wait for an answer that never comes).
  auto reply = error_reply(st, StanzaError(Condition::service_unavailable), "");
  if (!reply) {
    ++counters_.unacked_dropped;
    return;
  }
  ++counters_.unacked_bounced;
  auto to = Jid::parse(reply->attribute("to").value_or(""));
  if (to && to->local().empty() && is_local_domain(to->domain())) {
    for (const auto& x : extensions_)
      if (x->iq_answer(now_, *reply)) return;
    return;
  }
  send_error(st, StanzaError(Condition::service_unavailable));
}

}  // namespace confab::xmpp
