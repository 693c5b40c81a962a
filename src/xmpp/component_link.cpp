// An external component's stanzas queued both ways, and its unanswered
// requests (component_link.hpp).
#include "xmpp/component_link.hpp"

#include "xmpp/stanza_error.hpp"

namespace confab::xmpp {
namespace {

bool is_request(const Element& st) {
  if (st.name != "iq") return false;
  const auto type = st.attribute("type").value_or("");
  return type == "get" || type == "set";
}

bool is_response(const Element& st) {
  if (st.name != "iq") return false;
  const auto type = st.attribute("type").value_or("");
  return type == "result" || type == "error";
}

}  // namespace

void ComponentLink::handle_stanza(Instant, const Element& stanza) {
  if (is_request(stanza) && pending_.size() < max_pending_) {
    // Past the bound a request is still passed on, just not answered for
    // the component should it go away: memory stays bounded.
    Element addresses(stanza.name, stanza.ns);
    for (const char* a : {"from", "to", "id", "type"})
      if (auto v = stanza.attribute(a)) addresses.set_attribute(a, std::string(*v));
    pending_.insert_or_assign({std::string(stanza.attribute("from").value_or("")),
                               std::string(stanza.attribute("id").value_or(""))},
                              std::move(addresses));
  }
  to_component_.push_back(stanza);
}

std::optional<Element> ComponentLink::poll_stanza() {
  if (from_component_.empty()) return std::nullopt;
  Element st = std::move(from_component_.front());
  from_component_.pop_front();
  return st;
}

void ComponentLink::from_component(Element stanza) {
  if (is_response(stanza))
    pending_.erase({std::string(stanza.attribute("to").value_or("")), std::string(stanza.attribute("id").value_or(""))});
  from_component_.push_back(std::move(stanza));
}

std::optional<Element> ComponentLink::poll_outbound() {
  if (to_component_.empty()) return std::nullopt;
  Element st = std::move(to_component_.front());
  to_component_.pop_front();
  return st;
}

void ComponentLink::bounce(const Element& request) {
  auto reply = error_reply(request, StanzaError(Condition::service_unavailable, domain_ + " is not connected"));
  if (!reply) return;
  ++bounced_;
  from_component_.push_back(std::move(*reply));
}

void ComponentLink::disconnected() {
  // What was queued and never written: its requests are among pending_.
  to_component_.clear();
  for (auto& [key, request] : pending_) bounce(request);
  pending_.clear();
}

}  // namespace confab::xmpp
