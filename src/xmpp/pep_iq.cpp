// XEP-0163 / XEP-0060 requests to an account's PEP service: publish (with
// auto-create and publish-options, §7.1), retract (§7.2), items (§6.5),
// create (§8.1) and delete (§8.4). Subscriptions are implicit (presence
// plus caps), so subscribe and friends are not offered.
#include <algorithm>
#include <charconv>

#include "xmpp/data_form.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"
#include "xmpp/pep_service.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

// An error with XEP-0060's application condition (pubsub#errors).
StanzaError pubsub_error(Condition c, std::string_view app, std::string text = {}) {
  StanzaError e(c, std::move(text));
  e.application = Element(std::string(app), std::string(ns::pubsub_errors));
  return e;
}

StanzaError unsupported(std::string_view feature) {
  StanzaError e = pubsub_error(Condition::feature_not_implemented, "unsupported");
  e.application->set_attribute("feature", std::string(feature));
  return e;
}

StanzaError precondition(std::string text) {
  return pubsub_error(Condition::conflict, "precondition-not-met", std::move(text));
}

// publish-options or a node configuration form applied to `config`; a
// field or value this service does not do is refused (for publish-options
// that is XEP-0060 §7.1.5's precondition-not-met).
std::optional<StanzaError> apply_form(const Element* x, PepNodeConfig& config, std::size_t max_items,
                                      bool preconditions) {
  if (!x) return std::nullopt;
  auto form = parse_data_form(*x);
  if (!form) return StanzaError(Condition::bad_request, form.error());
  auto refuse = [&](std::string text) {
    return preconditions ? precondition(std::move(text)) : StanzaError(Condition::not_acceptable, std::move(text));
  };
  for (const FormField& f : form->fields) {
    if (f.var == "FORM_TYPE" || f.values.empty()) continue;
    const std::string& v = f.values.front();
    if (f.var == "pubsub#access_model") {
      if (v != "presence" && v != "open" && v != "whitelist") return refuse("access model " + v + " is not offered");
      config.access_model = v;
    } else if (f.var == "pubsub#persist_items") {
      auto b = parse_form_boolean(v);
      if (!b) return StanzaError(Condition::bad_request, "pubsub#persist_items is a boolean");
      config.persist_items = *b;
    } else if (f.var == "pubsub#max_items") {
      std::size_t n = 0;
      if (v == "max") {
        n = max_items;
      } else {
        auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
        if (ec != std::errc() || end != v.data() + v.size() || n == 0)
          return StanzaError(Condition::bad_request, "pubsub#max_items is a positive number or max");
        if (n > max_items) return refuse("at most " + std::to_string(max_items) + " items per node");
      }
      config.max_items = n;
    } else if (f.var == "pubsub#send_last_published_item" || f.var == "pubsub#deliver_notifications" ||
               f.var == "pubsub#deliver_payloads" || f.var == "pubsub#notify_retract" ||
               f.var == "pubsub#notify_delete" || f.var == "pubsub#title" || f.var == "pubsub#type" ||
               f.var == "pubsub#notification_type") {
      // Accepted as PEP's defaults behave (notifications with payloads,
      // last item on presence); their values change nothing here.
    } else {
      return refuse(f.var + " is not a known option");
    }
  }
  return std::nullopt;
}

Element pubsub_result(Element child) {
  Element p("pubsub", std::string(ns::pubsub));
  p.add_child(std::move(child));
  return p;
}

}  // namespace

std::optional<PepNode> PepService::find_node(const Jid& account, const std::string& name, StanzaError* error) {
  auto nodes = store_.pep_nodes(account);
  if (!nodes) {
    *error = StanzaError(Condition::internal_server_error, ErrorType::wait);
    return std::nullopt;
  }
  for (PepNode& n : *nodes)
    if (n.name == name) return std::move(n);
  *error = StanzaError(Condition::item_not_found);
  return std::nullopt;
}

IqOutcome PepService::pubsub(const IqRequest& r) {
  const bool set = r.iq.attribute("type") == "set";
  const Element* action = nullptr;
  const Element* options = nullptr;
  for (const Element* e : r.payload.elements()) {
    if (e->ns != ns::pubsub) continue;
    if (e->name == "publish-options" || e->name == "configure") options = e->child("x", ns::data_forms);
    else if (!action) action = e;
  }
  if (!action) return StanzaError(Condition::bad_request, "no pubsub request");
  const std::string& what = action->name;
  if (what == "items") {
    if (set) return StanzaError(Condition::bad_request, "items are retrieved with a get");
    return items(r, *action);
  }
  if (what == "subscribe" || what == "unsubscribe" || what == "subscriptions" || what == "affiliations" ||
      what == "options" || what == "default")
    return unsupported(what == "default" ? "retrieve-default" : what);
  if (!set) return StanzaError(Condition::bad_request, "a " + what + " request is a set");
  // XEP-0060 §7.1.3.1: only the owner publishes to its PEP service.
  if (r.from.bare() != r.to.bare()) return StanzaError(Condition::forbidden);
  if (what == "publish") return publish(r, *action, options);
  if (what == "retract") return retract(r, *action);
  if (what == "create") return create(r, *action, options);
  return StanzaError(Condition::feature_not_implemented);
}

IqOutcome PepService::owner(const IqRequest& r) {
  const Element* action = r.payload.elements().empty() ? nullptr : r.payload.elements().front();
  if (!action) return StanzaError(Condition::bad_request, "no pubsub#owner request");
  if (action->name == "delete" && r.iq.attribute("type") == "set") return delete_node(r, *action);
  return unsupported(action->name == "configure" ? "config-node" : action->name);
}

IqOutcome PepService::publish(const IqRequest& r, const Element& publish, const Element* options) {
  const Jid owner = r.from.bare();
  const std::string node_name(publish.attribute("node").value_or(""));
  if (node_name.empty()) return pubsub_error(Condition::bad_request, "nodeid-required");
  auto item_elements = publish.elements();
  if (item_elements.size() > 1) return pubsub_error(Condition::bad_request, "invalid-payload", "one item per publish");
  PepItem item;
  item.published = std::chrono::time_point_cast<std::chrono::seconds>(config_.wall_clock(r.now));
  if (!item_elements.empty()) {
    const Element& it = *item_elements.front();
    item.id = std::string(it.attribute("id").value_or(""));
    const auto payloads = it.elements();
    if (payloads.size() > 1) return pubsub_error(Condition::bad_request, "invalid-payload");
    if (!payloads.empty()) item.payload = serialize(*payloads.front());
  }
  if (item.payload.empty()) return pubsub_error(Condition::bad_request, "payload-required");
  if (item.payload.size() > config_.max_item_bytes) return pubsub_error(Condition::not_acceptable, "payload-too-big");
  if (item.id.empty()) item.id = rng_.random_hex(8);

  StanzaError error;
  std::optional<PepNode> node = find_node(owner, node_name, &error);
  if (!node && error.condition != Condition::item_not_found) return error;
  if (node) {
    // §7.1.5: publish-options are preconditions on an existing node.
    PepNodeConfig wanted = node->config;
    if (auto e = apply_form(options, wanted, config_.max_items, true)) return *e;
    if (!(wanted == node->config)) return precondition("the node is configured otherwise");
  } else {
    // Auto-create (XEP-0163 §3) with the options as its configuration.
    auto nodes = store_.pep_nodes(owner);
    if (!nodes) return StanzaError(Condition::internal_server_error, ErrorType::wait);
    if (nodes->size() >= config_.max_nodes) return pubsub_error(Condition::not_allowed, "max-nodes-exceeded");
    node = PepNode{node_name, {}};
    if (auto e = apply_form(options, node->config, config_.max_items, true)) return *e;
    if (!store_.put_pep_node(owner, *node)) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  }
  if (node->config.persist_items && !store_.put_pep_item(owner, node_name, item, node->config.max_items))
    return StanzaError(Condition::internal_server_error, ErrorType::wait);
  notify(owner, *node, items_event(node_name, item), r.from);
  converted(r, node_name);  // XEP-0402 #compat, XEP-0398

  Element published("publish", std::string(ns::pubsub));
  published.set_attribute("node", node_name);
  published.add_child(Element("item", std::string(ns::pubsub))).set_attribute("id", item.id);
  return std::optional<Element>(pubsub_result(std::move(published)));
}

IqOutcome PepService::retract(const IqRequest& r, const Element& retract) {
  const Jid owner = r.from.bare();
  const std::string node_name(retract.attribute("node").value_or(""));
  if (node_name.empty()) return pubsub_error(Condition::bad_request, "nodeid-required");
  const Element* item = retract.child("item", ns::pubsub);
  const std::string id(item ? item->attribute("id").value_or("") : "");
  if (id.empty()) return pubsub_error(Condition::bad_request, "item-required");
  StanzaError error;
  auto node = find_node(owner, node_name, &error);
  if (!node) return error;
  auto removed = store_.delete_pep_item(owner, node_name, id);
  if (!removed) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  if (!*removed) return StanzaError(Condition::item_not_found);
  const auto notify_attr = retract.attribute("notify");
  if (notify_attr && parse_form_boolean(*notify_attr).value_or(false))
    notify(owner, *node, retract_event(node_name, id), std::nullopt);
  converted(r, node_name);
  return std::optional<Element>();
}

IqOutcome PepService::items(const IqRequest& r, const Element& items_request) {
  const Jid owner = r.to.bare();
  const std::string node_name(items_request.attribute("node").value_or(""));
  if (node_name.empty()) return pubsub_error(Condition::bad_request, "nodeid-required");
  StanzaError error;
  auto node = find_node(owner, node_name, &error);
  if (!node) return error;
  if (!may_access(owner, node->config, r.from)) {
    // §6.5.3: what the access model wanted.
    if (node->config.access_model == "presence")
      return pubsub_error(Condition::not_authorized, "presence-subscription-required");
    return pubsub_error(Condition::not_allowed, "closed-node");
  }
  std::size_t limit = config_.max_items;
  if (auto max = items_request.attribute("max_items")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(max->data(), max->data() + max->size(), n);
    if (ec != std::errc() || end != max->data() + max->size()) return StanzaError(Condition::bad_request, "max_items");
    limit = std::min(limit, n);
  }
  auto stored = store_.pep_items(owner, node_name, config_.max_items);
  if (!stored) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  std::vector<std::string> wanted_ids;
  for (const Element* e : items_request.elements())
    if (e->is("item", ns::pubsub)) wanted_ids.emplace_back(e->attribute("id").value_or(""));
  Element out("items", std::string(ns::pubsub));
  out.set_attribute("node", node_name);
  std::vector<const PepItem*> chosen;
  for (const PepItem& it : *stored) {  // newest first
    if (!wanted_ids.empty()) {
      if (std::find(wanted_ids.begin(), wanted_ids.end(), it.id) != wanted_ids.end()) chosen.push_back(&it);
    } else if (chosen.size() < limit) {
      chosen.push_back(&it);
    }
  }
  // In publication order, oldest first.
  for (auto it = chosen.rbegin(); it != chosen.rend(); ++it) {
    Element item("item", std::string(ns::pubsub));
    item.set_attribute("id", (*it)->id);
    if (auto payload = parse_element((*it)->payload)) item.add_child(std::move(*payload));
    out.add_child(std::move(item));
  }
  return std::optional<Element>(pubsub_result(std::move(out)));
}

IqOutcome PepService::create(const IqRequest& r, const Element& create, const Element* configure) {
  const Jid owner = r.from.bare();
  const std::string node_name(create.attribute("node").value_or(""));
  if (node_name.empty()) return unsupported("instant-nodes");
  StanzaError error;
  if (find_node(owner, node_name, &error)) return StanzaError(Condition::conflict, "the node exists");
  if (error.condition != Condition::item_not_found) return error;
  auto nodes = store_.pep_nodes(owner);
  if (!nodes) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  if (nodes->size() >= config_.max_nodes) return pubsub_error(Condition::not_allowed, "max-nodes-exceeded");
  PepNode node{node_name, {}};
  if (auto e = apply_form(configure, node.config, config_.max_items, false)) return *e;
  if (!store_.put_pep_node(owner, node)) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  return std::optional<Element>();
}

IqOutcome PepService::delete_node(const IqRequest& r, const Element& del) {
  const Jid owner = r.from.bare();
  const std::string node_name(del.attribute("node").value_or(""));
  if (node_name.empty()) return pubsub_error(Condition::bad_request, "nodeid-required");
  StanzaError error;
  auto node = find_node(owner, node_name, &error);
  if (!node) return error;
  if (!store_.delete_pep_node(owner, node_name)) return StanzaError(Condition::internal_server_error, ErrorType::wait);
  notify(owner, *node, delete_event(node_name), std::nullopt);  // §8.4.2
  return std::optional<Element>();
}

}  // namespace confab::xmpp
