// The server's own answers: XEP-0030 service discovery for the server and
// for accounts (advertising exactly the handler table), XEP-0092 version.
#include <algorithm>

#include "xmpp/im_namespaces.hpp"
#include "xmpp/router.hpp"

namespace confab::xmpp {

namespace {

Element identity(std::string_view category, std::string_view type, std::string_view name) {
  Element e("identity", std::string(ns::disco_info));
  e.set_attribute("category", std::string(category));
  e.set_attribute("type", std::string(type));
  if (!name.empty()) e.set_attribute("name", std::string(name));
  return e;
}

// Features sorted, each once.
void add_features(Element& query, std::vector<std::string> features) {
  std::sort(features.begin(), features.end());
  features.erase(std::unique(features.begin(), features.end()), features.end());
  for (const std::string& f : features) {
    Element feature("feature", std::string(ns::disco_info));
    feature.set_attribute("var", f);
    query.add_child(std::move(feature));
  }
}

}  // namespace

Element Router::server_info() const {
  Element query("query", std::string(ns::disco_info));
  query.add_child(identity("server", "im", config_.server_name));
  // Everything the table serves, whoever it is addressed to, is a feature
  // of this server; plus the features that are not IQs.
  std::vector<std::string> features;
  for (const IqEntry& e : iq_handlers_)
    features.insert(features.end(), e.route.features.begin(), e.route.features.end());
  features.insert(features.end(), server_features_.begin(), server_features_.end());
  add_features(query, std::move(features));
  return query;
}

IqOutcome Router::disco_info(const IqRequest& r, IqTarget target) {
  // No nodes yet (XEP-0030 §3.1): a node query names nothing here.
  if (r.payload.attribute("node")) return StanzaError(Condition::item_not_found);
  if (target == IqTarget::server) return std::optional<Element>(server_info());
  // §3.1 / XEP-0030 §4.3 hints: an account the requester may see.
  if (target == IqTarget::other_account && !receives_presence_of(r.from.bare(), r.to))
    return StanzaError(Condition::service_unavailable);
  Element query("query", std::string(ns::disco_info));
  query.add_child(identity("account", "registered", ""));
  std::vector<std::string> features;
  for (const IqEntry& e : iq_handlers_)
    if (e.route.target == IqTarget::other_account)
      features.insert(features.end(), e.route.features.begin(), e.route.features.end());
  // Extensions add theirs (PEP's pubsub/pep identity, MAM's features).
  Element extra("query", std::string(ns::disco_info));
  for (const auto& x : extensions_) x->account_disco_info(r.to.bare(), r.from.bare(), extra);
  for (const Element* e : extra.elements()) {
    if (e->name == "feature") features.emplace_back(e->attribute("var").value_or(""));
    else query.add_child(*e);
  }
  add_features(query, std::move(features));
  return std::optional<Element>(std::move(query));
}

IqOutcome Router::disco_items(const IqRequest& r, IqTarget target) {
  if (r.payload.attribute("node")) return StanzaError(Condition::item_not_found);
  if (target == IqTarget::other_account && !receives_presence_of(r.from.bare(), r.to))
    return StanzaError(Condition::service_unavailable);
  // XEP-0030 §4 / XEP-0045 §6.1: the server lists the services on their own
  // domains (a MUC service is found this way); accounts have no items yet.
  Element query("query", std::string(ns::disco_items));
  if (target == IqTarget::server)
    for (const Component* c : components_) {
      Element item("item", std::string(ns::disco_items));
      item.set_attribute("jid", c->domain());
      if (!c->name().empty()) item.set_attribute("name", std::string(c->name()));
      query.add_child(std::move(item));
    }
  else
    for (const auto& x : extensions_) x->account_disco_items(r.to.bare(), r.from.bare(), query);  // PEP nodes
  return std::optional<Element>(std::move(query));
}

IqOutcome Router::version(const IqRequest&) {
  Element query("query", std::string(ns::version));
  Element name("name", std::string(ns::version));
  name.add_text(config_.server_name);
  Element ver("version", std::string(ns::version));
  ver.add_text(config_.server_version);
  query.add_child(std::move(name));
  query.add_child(std::move(ver));
  return std::optional<Element>(std::move(query));
}

}  // namespace confab::xmpp
