// XEP-0352 client state indication: while a client says it is inactive
// (a phone in a pocket), presence updates wait — only the latest of each
// sender — and go out together when it is active again. Messages, IQs and
// subscription requests are not held.
#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

void Router::handle_csi(std::uint64_t id, const Element& nonza) {
  Session* s = session(id);
  if (!s) return;
  if (nonza.name == "inactive") {
    s->inactive = true;
  } else if (nonza.name == "active") {
    s->inactive = false;
    std::vector<Element> held = std::move(s->held);
    s->held.clear();
    for (Element& p : held) deliver(id, std::move(p));
  } else {
    ++counters_.ignored;
  }
}

bool Router::hold_presence(Session& s, Element& stanza) {
  if (!s.inactive || stanza.name != "presence") return false;
  auto type = stanza.attribute("type").value_or("");
  if (!type.empty() && type != "unavailable") return false;
  const auto from = stanza.attribute("from").value_or("");
  auto same = std::find_if(s.held.begin(), s.held.end(),
                           [&](const Element& e) { return e.attribute("from").value_or("") == from; });
  if (same != s.held.end()) {
    s.held.erase(same);  // superseded: only the latest matters
  } else if (s.held.size() >= config_.max_held_presence) {
    return false;  // too much to hold: let it through rather than grow
  }
  ++counters_.presence_held;
  s.held.push_back(std::move(stanza));
  return true;
}

}  // namespace confab::xmpp
