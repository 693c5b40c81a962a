#pragma once
// An external component (XEP-0114) as the router sees it: a Component
// whose stanzas go to and come from a ComponentSession, through the I/O
// layer. It exists while the component is connected: registered with the
// router when the handshake succeeds, removed when the connection ends.
//
//   ComponentLink link(session.domain());
//   router.add_component(link);
//   on the session's stanzas:  link.from_component(st); router.route_from_components(now);
//   after the router ran:      while (auto st = link.poll_outbound()) session.send(*st);
//   when the connection ends:  link.disconnected(); router.route_from_components(now);
//                              router.remove_component(link);
//
// It remembers the IQ requests it passed on and not yet saw answered
// (RFC 6120 §8.2.3: every request gets a response), so that when the
// component goes away each of them gets service-unavailable instead of
// waiting for ever.
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "xmpp/component.hpp"

namespace confab::xmpp {

class ComponentLink final : public Component {
 public:
  explicit ComponentLink(std::string domain, std::size_t max_pending_requests = 10000)
      : domain_(std::move(domain)), max_pending_(max_pending_requests) {}

  const std::string& domain() const override { return domain_; }
  std::string_view name() const override { return {}; }
  // From a local user (the router's stamping done): queued for the connection.
  void handle_stanza(Instant now, const Element& stanza) override;
  // Nothing to tell: the router already sent the unavailable presence of
  // users who had sent the component directed presence.
  void session_ended(Instant, const Jid&) override {}
  std::optional<Element> poll_stanza() override;

  // The I/O layer's side.
  void from_component(Element stanza);      // a stanza the session checked (jabber:client)
  std::optional<Element> poll_outbound();   // what to send() on the session
  void disconnected();                      // the connection is gone: unanswered requests bounce

  std::size_t pending_requests() const { return pending_.size(); }
  std::uint64_t bounced() const { return bounced_; }

 private:
  void bounce(const Element& request);

  std::string domain_;
  std::size_t max_pending_;
  std::deque<Element> to_component_;
  std::deque<Element> from_component_;
  // (requester, id) → the request's addresses (no payload): enough for its error reply.
  std::map<std::pair<std::string, std::string>, Element> pending_;
  std::uint64_t bounced_ = 0;
};

}  // namespace confab::xmpp
