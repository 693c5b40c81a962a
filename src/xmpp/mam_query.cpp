// XEP-0313 §4: queries in, results out (see mam_query.hpp).
#include "xmpp/mam_query.hpp"

#include <algorithm>
#include <charconv>

#include "xmpp/data_form.hpp"
#include "xmpp/delay.hpp"
#include "xmpp/im_namespaces.hpp"
#include "xmpp/mam.hpp"
#include "xmpp/muc_namespaces.hpp"
#include "xmpp/namespaces.hpp"

namespace confab::xmpp::mam {

namespace {

StanzaError bad(std::string text) { return StanzaError(Condition::bad_request, std::move(text)); }

std::optional<std::size_t> parse_count(std::string_view text) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Element text_element(std::string name, std::string_view ns_name, std::string_view text) {
  Element e(std::move(name), std::string(ns_name));
  e.add_text(text);
  return e;
}

}  // namespace

std::variant<ParsedQuery, StanzaError> parse_query(const Element& query, std::size_t default_page,
                                                   std::size_t max_page) {
  ParsedQuery out;
  out.query.max = std::min(default_page, max_page);
  out.queryid = std::string(query.attribute("queryid").value_or(""));
  // Pubsub archives (XEP-0442) use 'node'; this is a user archive.
  if (query.attribute("node")) return StanzaError(Condition::item_not_found, "a user archive has no nodes");
  out.flip = query.child("flip-page", ns::mam) != nullptr;
  if (const Element* x = query.child("x", ns::data_forms)) {
    auto form = parse_data_form(*x);
    if (!form) return bad("the query form: " + form.error());
    if (form->type != "submit" && form->type != "form") return bad("the query form must be submitted");
    if (const std::string type = form->form_type(); !type.empty() && type != ns::mam)
      return bad("the query form's FORM_TYPE is not urn:xmpp:mam:2");
    for (const FormField& f : form->fields) {
      if (f.var == "FORM_TYPE") continue;
      if (f.var == "ids") {
        out.query.ids = f.values;
        if (out.query.ids.size() > max_page) return StanzaError(Condition::policy_violation, "too many ids");
        continue;
      }
      if (f.values.size() > 1) return bad("the field " + f.var + " takes one value");
      if (f.values.empty()) continue;  // an empty field filters nothing
      const std::string& v = f.values.front();
      if (f.var == "with") {
        auto j = Jid::parse(v);
        if (!j) return bad("with: " + j.error().message);
        out.query.with = std::move(*j);
      } else if (f.var == "start" || f.var == "end") {
        auto t = parse_datetime(v);
        if (!t) return bad(f.var + ": not an XEP-0082 DateTime");
        (f.var == "start" ? out.query.start : out.query.end) = *t;
      } else if (f.var == "after-id") {
        out.query.after_id = v;
      } else if (f.var == "before-id") {
        out.query.before_id = v;
      } else {
        return StanzaError(Condition::feature_not_implemented, "the field " + f.var + " is not supported");
      }
    }
  }
  if (const Element* set = query.child("set", ns::rsm)) {
    if (auto max = set->child_text("max")) {
      auto n = parse_count(*max);
      if (!n) return bad("<max/> is not a number");
      out.query.max = std::min(*n, max_page);
    }
    if (auto after = set->child_text("after")) {
      if (after->empty()) return bad("<after/> needs an id");
      out.query.after = *after;
    }
    if (auto before = set->child_text("before")) out.query.before = *before;  // empty: the last page
    if (set->child("index")) return StanzaError(Condition::feature_not_implemented, "paging by <index/> is not supported");
  }
  return out;
}

Element result_message(const ArchivedMessage& m, const std::string& queryid, const std::string& to,
                       const std::string& from) {
  Element message("message", std::string(ns::client));
  if (!from.empty()) message.set_attribute("from", from);
  message.set_attribute("to", to);
  Element result("result", std::string(ns::mam));
  if (!queryid.empty()) result.set_attribute("queryid", queryid);
  result.set_attribute("id", m.id);
  Element forwarded("forwarded", std::string(ns::forward));
  forwarded.add_child(delay_element("", m.stamp));
  forwarded.add_child(m.stanza);
  result.add_child(std::move(forwarded));
  message.add_child(std::move(result));
  return message;
}

Element fin(const ArchivePage& page, bool with_index) {
  Element fin("fin", std::string(ns::mam));
  if (page.complete) fin.set_attribute("complete", "true");
  Element set("set", std::string(ns::rsm));
  if (!page.messages.empty()) {
    Element first = text_element("first", ns::rsm, page.messages.front().id);
    if (with_index) first.set_attribute("index", std::to_string(page.first_index));
    set.add_child(std::move(first));
    set.add_child(text_element("last", ns::rsm, page.messages.back().id));
  }
  set.add_child(text_element("count", ns::rsm, std::to_string(page.count)));
  fin.add_child(std::move(set));
  return fin;
}

Element query_form() {
  DataForm form;
  form.type = "form";
  form.fields.push_back({"FORM_TYPE", "hidden", "", {std::string(ns::mam)}, {}});
  form.fields.push_back({"with", "jid-single", "", {}, {}});
  form.fields.push_back({"start", "text-single", "", {}, {}});
  form.fields.push_back({"end", "text-single", "", {}, {}});
  form.fields.push_back({"before-id", "text-single", "", {}, {}});
  form.fields.push_back({"after-id", "text-single", "", {}, {}});
  form.fields.push_back({"ids", "list-multi", "", {}, {}});
  Element x = to_element(form);
  // §4.1.5: 'ids' is open to any value (XEP-0122 <validate><open/>).
  for (Node& n : x.children)
    if (Element* f = n.element(); f && f->attribute("var") == "ids") {
      Element validate("validate", "http://jabber.org/protocol/xdata-validate");
      validate.set_attribute("datatype", "xs:string");
      validate.add_child(Element("open", "http://jabber.org/protocol/xdata-validate"));
      f->add_child(std::move(validate));
    }
  Element query("query", std::string(ns::mam));
  query.add_child(std::move(x));
  return query;
}

Element metadata(const ArchivePage& first, const ArchivePage& last) {
  Element md("metadata", std::string(ns::mam));
  if (first.messages.empty() || last.messages.empty()) return md;
  for (auto [name, m] : {std::pair{"start", &first.messages.front()}, std::pair{"end", &last.messages.back()}}) {
    Element e(name, std::string(ns::mam));
    e.set_attribute("id", m->id);
    e.set_attribute("timestamp", datetime_stamp(m->stamp));
    md.add_child(std::move(e));
  }
  return md;
}

Element prefs_element(const ArchivePrefs& prefs) {
  Element e("prefs", std::string(ns::mam));
  e.set_attribute("default", prefs.default_mode);
  for (auto [name, list] : {std::pair{"always", &prefs.always}, std::pair{"never", &prefs.never}}) {
    Element& group = e.add_child(Element(name, std::string(ns::mam)));
    for (const Jid& j : *list) group.add_child(text_element("jid", ns::mam, j.str()));
  }
  return e;
}

std::variant<ArchivePrefs, StanzaError> parse_prefs(const Element& e) {
  ArchivePrefs prefs;
  prefs.default_mode = std::string(e.attribute("default").value_or(""));
  if (prefs.default_mode != "always" && prefs.default_mode != "never" && prefs.default_mode != "roster")
    return bad("default must be always, never or roster");
  for (auto [name, list] : {std::pair{"always", &prefs.always}, std::pair{"never", &prefs.never}}) {
    const Element* group = e.child(name, ns::mam);
    if (!group) continue;
    for (const Element* j : group->elements()) {
      if (!j->is("jid", ns::mam)) continue;
      auto jid = Jid::parse(j->text());
      if (!jid) return StanzaError(Condition::jid_malformed, jid.error().message);
      list->push_back(jid->bare());
      if (list->size() > 1000) return StanzaError(Condition::policy_violation, "at most 1000 JIDs in a list");
    }
  }
  return prefs;
}

}  // namespace confab::xmpp::mam
