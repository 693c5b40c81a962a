// Element lookups and edits. Linear scans throughout: a stanza has a handful
// of attributes and children, and a scan beats any index at that size.
#include "xmpp/xml_element.hpp"

#include <algorithm>

#include "xmpp/namespaces.hpp"

namespace confab::xmpp {

std::optional<std::string_view> Element::attribute(std::string_view attr_name) const {
  return attribute(attr_name, {});
}

std::optional<std::string_view> Element::attribute(std::string_view attr_name, std::string_view attr_ns) const {
  for (const Attribute& a : attributes)
    if (a.name == attr_name && a.ns == attr_ns) return std::string_view(a.value);
  return std::nullopt;
}

const Element* Element::child(std::string_view child_name) const { return child(child_name, ns); }

const Element* Element::child(std::string_view child_name, std::string_view child_ns) const {
  for (const Node& n : children)
    if (const Element* e = n.element(); e && e->is(child_name, child_ns)) return e;
  return nullptr;
}

Element* Element::child(std::string_view child_name) { return child(child_name, ns); }

Element* Element::child(std::string_view child_name, std::string_view child_ns) {
  return const_cast<Element*>(static_cast<const Element*>(this)->child(child_name, child_ns));
}

std::vector<const Element*> Element::elements() const {
  std::vector<const Element*> out;
  for (const Node& n : children)
    if (const Element* e = n.element()) out.push_back(e);
  return out;
}

std::string Element::text() const {
  std::string out;
  for (const Node& n : children)
    if (const std::string* t = n.text()) out += *t;
  return out;
}

std::optional<std::string> Element::child_text(std::string_view child_name) const {
  return child_text(child_name, ns);
}

std::optional<std::string> Element::child_text(std::string_view child_name, std::string_view child_ns) const {
  const Element* c = child(child_name, child_ns);
  if (!c) return std::nullopt;
  return c->text();
}

Element& Element::set_attribute(std::string attr_name, std::string value) {
  return set_attribute(std::move(attr_name), {}, std::move(value));
}

Element& Element::set_attribute(std::string attr_name, std::string attr_ns, std::string value) {
  for (Attribute& a : attributes) {
    if (a.name == attr_name && a.ns == attr_ns) {
      a.value = std::move(value);
      return *this;
    }
  }
  std::string hint = attr_ns == ns::xml ? "xml" : "";
  attributes.push_back(Attribute{std::move(attr_name), std::move(attr_ns), std::move(value), std::move(hint)});
  return *this;
}

bool Element::remove_attribute(std::string_view attr_name, std::string_view attr_ns) {
  auto it = std::find_if(attributes.begin(), attributes.end(),
                         [&](const Attribute& a) { return a.name == attr_name && a.ns == attr_ns; });
  if (it == attributes.end()) return false;
  attributes.erase(it);
  return true;
}

Element& Element::add_child(Element child_element) {
  children.emplace_back(std::move(child_element));
  return *children.back().element();
}

Element& Element::add_text(std::string_view text) {
  if (text.empty()) return *this;
  if (!children.empty())
    if (std::string* last = children.back().text()) {
      last->append(text);
      return *this;
    }
  children.emplace_back(std::string(text));
  return *this;
}

// Written out rather than defaulted: clang 14 crashes on defaulted
// comparisons that recurse through std::variant.
bool Element::operator==(const Element& other) const {
  return name == other.name && ns == other.ns && prefix == other.prefix && attributes == other.attributes &&
         children == other.children;
}

bool Node::operator==(const Node& other) const { return value == other.value; }

}  // namespace confab::xmpp
