// XEP-0049 private XML storage on top of PEP (XEP-0223): the data a client
// stores under namespace N is the payload of item 'current' in the owner's
// PEP node N, created persistent and whitelist (the owner alone may read
// it). So nothing needs a store of its own, and XEP-0048 bookmarks kept
// through jabber:iq:private and through PEP (node storage:bookmarks) are
// one and the same — what Prosody and ejabberd do to keep old and new
// clients in step.
#include "xmpp/data_form.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/pep_service.hpp"
#include "xmpp/xml_stream_parser.hpp"

namespace confab::xmpp {

namespace {

constexpr std::string_view current = "current";  // XEP-0223 §4's item id

Element query_with(Element data) {
  Element q("query", std::string(ns::private_xml));
  q.add_child(std::move(data));
  return q;
}

// XEP-0223 §4: the publish-options of a private node.
Element private_options() {
  DataForm form;
  form.type = "submit";
  form.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::publish_options)}, {}});
  form.fields.push_back({"pubsub#persist_items", "", "", {"true"}, {}});
  form.fields.push_back({"pubsub#access_model", "", "", {"whitelist"}, {}});
  return to_element(form);
}

}  // namespace

IqOutcome PepService::private_xml(const IqRequest& r) {
  // §3: exactly one child, in a namespace of its own (§3.3: not
  // jabber:client, jabber:server or jabber:iq:private: not-acceptable).
  const auto children = r.payload.elements();
  if (children.size() != 1)
    return StanzaError(Condition::not_acceptable, "one element, in the namespace of its data");
  const Element& data = *children.front();
  if (data.ns.empty() || data.ns == ns::client || data.ns == "jabber:server" || data.ns == ns::private_xml)
    return StanzaError(Condition::not_acceptable, "data in " + (data.ns.empty() ? "no namespace" : data.ns) +
                                                      " cannot be stored");
  const Jid owner = r.from.bare();

  if (r.iq.attribute("type") == "get") {
    // §3.2: what was stored, or the empty element asked for if nothing was.
    StanzaError error;
    auto node = find_node(owner, data.ns, &error);
    if (!node && error.condition != Condition::item_not_found) return error;
    if (node) {
      auto items = store_.pep_items(owner, data.ns, config_.max_items);
      if (!items) return StanzaError(Condition::internal_server_error, ErrorType::wait);
      // 'current', else the newest (pep_items lists the newest first).
      const PepItem* found = items->empty() ? nullptr : &items->front();
      for (const PepItem& item : *items)
        if (item.id == current) found = &item;
      if (found)
        if (auto stored = parse_element(found->payload); stored && stored->name == data.name)
          return std::optional<Element>(query_with(std::move(*stored)));
    }
    return std::optional<Element>(query_with(Element(data.name, data.ns)));
  }

  // §3.1: a set replaces what was stored in that namespace: a publish of
  // item 'current'. A node the client made through PEP keeps its own
  // configuration; a new one is made private.
  Element request("publish", std::string(ns::pubsub));
  request.set_attribute("node", data.ns);
  Element item("item", std::string(ns::pubsub));
  item.set_attribute("id", std::string(current));
  item.add_child(data);
  request.add_child(std::move(item));
  StanzaError error;
  const bool exists = find_node(owner, data.ns, &error).has_value();
  if (!exists && error.condition != Condition::item_not_found) return error;
  const Element options = private_options();
  IqOutcome outcome = publish(r, request, exists ? nullptr : &options);
  if (auto* e = std::get_if<StanzaError>(&outcome)) return *e;
  return std::optional<Element>();
}

}  // namespace confab::xmpp
