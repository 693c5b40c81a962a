#pragma once
// An XML element as XMPP sees it: a namespace-qualified name, attributes and
// ordered children (elements and runs of text). Every stanza, every stream
// feature and every payload inside them is one of these.
//
// Names are stored resolved: `ns` is the namespace name (a URI), never a
// prefix, because XML Namespaces make `<stream:features>` and
// `<features xmlns='http://etherx.jabber.org/streams'>` the same element.
// The prefix an element arrived with is kept only as a hint for the writer
// (peers expect `stream:` on stream-level elements); it takes no part in
// lookups. Equality compares everything, hints included.
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace confab::xmpp {

struct Attribute {
  std::string name;    // local name
  std::string ns;      // namespace name; empty for the usual unqualified attribute
  std::string value;   // decoded (no entity or character references left)
  std::string prefix;  // writer hint for a qualified attribute (`xml` for xml:lang)

  bool operator==(const Attribute&) const = default;
};

struct Node;

struct Element {
  std::string name;  // local name
  std::string ns;    // namespace name; a stanza inherits the stream's content namespace
  std::string prefix;  // writer hint; empty for the default namespace
  std::vector<Attribute> attributes;  // in document order; never namespace declarations
  std::vector<Node> children;         // elements and text, in document order

  Element() = default;
  Element(std::string name_, std::string ns_);

  bool is(std::string_view local_name, std::string_view ns_name) const {
    return name == local_name && ns == ns_name;
  }

  // The value of an unqualified attribute (`to`, `type`, `id`...), or of a
  // qualified one (`attribute("lang", ns::xml)`).
  std::optional<std::string_view> attribute(std::string_view attr_name) const;
  std::optional<std::string_view> attribute(std::string_view attr_name, std::string_view attr_ns) const;

  // The first child element with this local name, in this element's own
  // namespace (`message.child("body")`) or in the one given
  // (`iq.child("query", "jabber:iq:roster")`); nullptr if there is none.
  const Element* child(std::string_view child_name) const;
  const Element* child(std::string_view child_name, std::string_view child_ns) const;
  Element* child(std::string_view child_name);
  Element* child(std::string_view child_name, std::string_view child_ns);

  // Every child element, in order (text skipped).
  std::vector<const Element*> elements() const;
  // The direct text content: every text child concatenated, descendants'
  // text excluded (a <body>'s text, not its XHTML-IM markup).
  std::string text() const;
  // text() of child(name[, ns]), or nullopt if there is no such child.
  std::optional<std::string> child_text(std::string_view child_name) const;
  std::optional<std::string> child_text(std::string_view child_name, std::string_view child_ns) const;

  // Sets (replacing) or removes an attribute.
  Element& set_attribute(std::string attr_name, std::string value);
  Element& set_attribute(std::string attr_name, std::string attr_ns, std::string value);
  bool remove_attribute(std::string_view attr_name, std::string_view attr_ns = {});

  // Appends a child element and returns it (a reference valid until the
  // next child is added here).
  Element& add_child(Element child_element);
  // Appends text, joining it to a text node that ends the children.
  Element& add_text(std::string_view text);

  bool operator==(const Element& other) const;
};

// A child: an element or a run of text. A parsed element never holds two
// text nodes in a row, nor an empty one.
struct Node {
  std::variant<Element, std::string> value;

  Node(Element e) : value(std::move(e)) {}
  Node(std::string run) : value(std::move(run)) {}

  bool is_element() const { return value.index() == 0; }
  const Element* element() const { return std::get_if<Element>(&value); }
  Element* element() { return std::get_if<Element>(&value); }
  const std::string* text() const { return std::get_if<std::string>(&value); }
  std::string* text() { return std::get_if<std::string>(&value); }

  bool operator==(const Node& other) const;
};

// Defined here, where Node is complete: the constructor's cleanup path
// destroys `children`.
inline Element::Element(std::string name_, std::string ns_) : name(std::move(name_)), ns(std::move(ns_)) {}

}  // namespace confab::xmpp
