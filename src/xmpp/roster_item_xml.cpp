#include "xmpp/roster_item_xml.hpp"

#include <algorithm>

#include "xmpp/im_namespaces.hpp"

namespace confab::xmpp {

Element roster_item_element(const RosterItem& item, bool removed) {
  Element e("item", std::string(ns::roster));
  e.set_attribute("jid", item.jid.str());
  if (removed) {
    e.set_attribute("subscription", "remove");
    return e;
  }
  if (!item.name.empty()) e.set_attribute("name", item.name);
  e.set_attribute("subscription", to_string(item.subscription));
  if (item.ask) e.set_attribute("ask", "subscribe");
  if (item.approved) e.set_attribute("approved", "true");
  for (const std::string& g : item.groups) {
    Element group("group", std::string(ns::roster));
    group.add_text(g);
    e.add_child(std::move(group));
  }
  return e;
}

Result<RosterSetRequest, StanzaError> parse_roster_set(const Element& query, const RosterLimits& limits) {
  auto children = query.elements();
  std::size_t items = 0;
  const Element* item = nullptr;
  for (const Element* c : children)
    if (c->is("item", ns::roster)) {
      ++items;
      item = c;
    }
  if (items != 1) return unexpected(StanzaError(Condition::bad_request, "a roster set carries exactly one item"));
  auto jid_text = item->attribute("jid");
  if (!jid_text) return unexpected(StanzaError(Condition::bad_request, "the item has no jid"));
  auto jid = Jid::parse(*jid_text);
  if (!jid) return unexpected(StanzaError(Condition::jid_malformed, jid.error().message));
  if (!jid->is_bare()) return unexpected(StanzaError(Condition::jid_malformed, "roster items are bare JIDs"));

  RosterSetRequest out{*jid, std::nullopt, {}, false};
  if (item->attribute("subscription") == "remove") {
    out.remove = true;
    return out;
  }
  if (auto name = item->attribute("name")) {
    if (name->size() > limits.max_name)
      return unexpected(StanzaError(Condition::not_acceptable, "the name is longer than " +
                                                                   std::to_string(limits.max_name) + " bytes"));
    out.name = std::string(*name);
  }
  for (const Element* g : item->elements()) {
    if (!g->is("group", ns::roster)) continue;
    std::string name = g->text();
    if (name.empty()) return unexpected(StanzaError(Condition::not_acceptable, "empty group name"));
    if (name.size() > limits.max_name)
      return unexpected(StanzaError(Condition::not_acceptable, "a group name is too long"));
    if (std::find(out.groups.begin(), out.groups.end(), name) != out.groups.end())
      return unexpected(StanzaError(Condition::bad_request, "duplicate group " + name));
    out.groups.push_back(std::move(name));
  }
  if (out.groups.size() > limits.max_groups)
    return unexpected(StanzaError(Condition::not_acceptable, "more than " + std::to_string(limits.max_groups) +
                                                                 " groups"));
  return out;
}

}  // namespace confab::xmpp
