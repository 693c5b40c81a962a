// XEP-0402 §5.2 compatibility (urn:xmpp:bookmarks:1#compat and #compat-pep):
// an account's bookmarks are kept in both forms, so old and new clients see
// the same rooms. A publish or retract on urn:xmpp:bookmarks:1 (one item per
// room, id = the room's JID) rewrites the XEP-0048 <storage
// xmlns='storage:bookmarks'/>, which is item 'current' of the private node
// storage:bookmarks: what XEP-0049 private XML storage and XEP-0048's PEP
// form both read (private_storage.cpp). A store of storage:bookmarks, by
// either way, publishes the rooms that changed to urn:xmpp:bookmarks:1 and
// retracts (notify) those gone. Both go through publish()/retract(), so
// nodes are created with the options each XEP asks and notifications go
// out; converting_ stops the conversion coming back.
//
// What one form cannot carry is kept from what was there: <url/>s of the
// legacy storage, the <extensions/> of a room's XEP-0402 item.
#include <algorithm>
#include <map>

#include "xmpp/data_form.hpp"
#include "xmpp/pep_service.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace confab::xmpp {

namespace {

DataForm options(bool max_items) {
  DataForm form;
  form.type = "submit";
  form.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::publish_options)}, {}});
  form.fields.push_back({"pubsub#persist_items", "", "", {"true"}, {}});
  form.fields.push_back({"pubsub#access_model", "", "", {"whitelist"}, {}});
  if (max_items) {
    // XEP-0402 §3: every room an item of its own.
    form.fields.push_back({"pubsub#max_items", "", "", {"max"}, {}});
    form.fields.push_back({"pubsub#send_last_published_item", "", "", {"never"}, {}});
  }
  return form;
}

bool truthy(std::optional<std::string_view> v) { return v && (*v == "true" || *v == "1"); }

void copy_text_child(const Element& from, std::string_view name, Element& to, std::string_view ns) {
  if (auto t = from.child_text(name)) to.add_child(Element(std::string(name), std::string(ns))).add_text(*t);
}

// XEP-0402 <conference/> → XEP-0048 <conference jid/>.
Element legacy_conference(const std::string& jid, const Element& c) {
  Element out("conference", std::string(ns::legacy_bookmarks));
  out.set_attribute("jid", jid);
  if (auto name = c.attribute("name")) out.set_attribute("name", std::string(*name));
  out.set_attribute("autojoin", truthy(c.attribute("autojoin")) ? "true" : "false");
  copy_text_child(c, "nick", out, ns::legacy_bookmarks);
  copy_text_child(c, "password", out, ns::legacy_bookmarks);
  return out;
}

// XEP-0048 <conference jid/> → XEP-0402 <conference/>, keeping `old`'s <extensions/>.
Element new_conference(const Element& c, const Element* old) {
  Element out("conference", std::string(ns::bookmarks));
  if (auto name = c.attribute("name")) out.set_attribute("name", std::string(*name));
  if (truthy(c.attribute("autojoin"))) out.set_attribute("autojoin", "true");
  copy_text_child(c, "nick", out, ns::bookmarks);
  copy_text_child(c, "password", out, ns::bookmarks);
  if (old)
    if (const Element* ext = old->child("extensions", ns::bookmarks)) out.add_child(*ext);
  return out;
}

}  // namespace

Element PepService::publish_request(std::string_view node, const std::string& id, Element payload) {
  Element p("publish", std::string(ns::pubsub));
  p.set_attribute("node", std::string(node));
  Element item("item", std::string(ns::pubsub));
  item.set_attribute("id", id);
  item.add_child(std::move(payload));
  p.add_child(std::move(item));
  return p;
}

std::optional<PepItem> PepService::newest_item(const Jid& owner, const std::string& node) {
  auto items = store_.pep_items(owner, node, 1);  // newest first
  if (!items || items->empty()) return std::nullopt;
  return items->front();
}

void PepService::converted(const IqRequest& r, const std::string& node) {
  if (converting_) return;
  converting_ = true;
  if (node == ns::bookmarks) bookmarks_to_legacy(r);
  else if (node == ns::legacy_bookmarks) legacy_to_bookmarks(r);
  else if (node == ns::avatar_metadata) avatar_to_vcard(r);
  converting_ = false;
}

void PepService::bookmarks_to_legacy(const IqRequest& r) {
  const Jid owner = r.from.bare();
  auto items = store_.pep_items(owner, std::string(ns::bookmarks), config_.max_items);
  if (!items) return;
  Element storage("storage", std::string(ns::legacy_bookmarks));
  // Oldest first, as the rooms were added.
  for (auto it = items->rbegin(); it != items->rend(); ++it) {
    auto c = parse_element(it->payload);
    if (!c || !c->is("conference", ns::bookmarks) || !Jid::parse(it->id)) continue;
    storage.add_child(legacy_conference(it->id, *c));
  }
  if (auto old = newest_item(owner, std::string(ns::legacy_bookmarks)))
    if (auto e = parse_element(old->payload))
      for (const Element* url : e->elements())
        if (url->is("url", ns::legacy_bookmarks)) storage.add_child(*url);
  StanzaError error;
  const bool exists = find_node(owner, std::string(ns::legacy_bookmarks), &error).has_value();
  if (!exists && error.condition != Condition::item_not_found) return;
  const Element form = to_element(options(false));
  publish(r, publish_request(ns::legacy_bookmarks, "current", std::move(storage)), exists ? nullptr : &form);
}

void PepService::legacy_to_bookmarks(const IqRequest& r) {
  const Jid owner = r.from.bare();
  auto legacy = newest_item(owner, std::string(ns::legacy_bookmarks));
  if (!legacy) return;
  auto storage = parse_element(legacy->payload);
  if (!storage || !storage->is("storage", ns::legacy_bookmarks)) return;
  const std::string node(ns::bookmarks);
  std::map<std::string, Element> current;  // room JID → its XEP-0402 <conference/>
  StanzaError error;
  bool exists = find_node(owner, node, &error).has_value();
  if (!exists && error.condition != Condition::item_not_found) return;
  if (exists) {
    auto items = store_.pep_items(owner, node, config_.max_items);
    if (!items) return;
    for (const PepItem& it : *items)
      if (auto c = parse_element(it.payload)) current.emplace(it.id, std::move(*c));
  }
  const Element form = to_element(options(true));
  std::vector<std::string> kept;
  for (const Element* c : storage->elements()) {
    if (!c->is("conference", ns::legacy_bookmarks)) continue;
    auto jid = Jid::parse(c->attribute("jid").value_or(""));
    if (!jid || jid->is_full()) continue;  // not a room: nothing XEP-0402 can hold
    const std::string id = jid->str();
    if (std::find(kept.begin(), kept.end(), id) != kept.end()) continue;
    kept.push_back(id);
    auto old = current.find(id);
    Element conference = new_conference(*c, old == current.end() ? nullptr : &old->second);
    if (old != current.end() && serialize(old->second) == serialize(conference)) continue;  // unchanged
    publish(r, publish_request(node, id, std::move(conference)), exists ? nullptr : &form);
    exists = true;
  }
  for (const auto& [id, c] : current) {
    if (std::find(kept.begin(), kept.end(), id) != kept.end()) continue;
    Element retract_request("retract", std::string(ns::pubsub));
    retract_request.set_attribute("node", node);
    retract_request.set_attribute("notify", "true");  // XEP-0402 §3.4
    retract_request.add_child(Element("item", std::string(ns::pubsub))).set_attribute("id", id);
    retract(r, retract_request);
  }
}

}  // namespace confab::xmpp
