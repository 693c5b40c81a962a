#pragma once
// Building elements in code, one call per line of the XML it makes
// (Prosody's stanza builder, in C++):
//
//   Element m = Builder("message", ns::client)
//                   .attr("to", "juliet@example.com").attr("type", "chat")
//                   .tag("body").text("Art thou not Romeo?").up()
//                   .tag("active", "http://jabber.org/protocol/chatstates").up()
//                   .build();
//
// tag() opens a child and makes it current; up() goes back to its parent.
// A child without a namespace of its own inherits the current element's.
#include <string>
#include <string_view>
#include <vector>

#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

class Builder {
 public:
  Builder(std::string name, std::string ns);
  explicit Builder(Element root);

  // An unqualified attribute, or one in a namespace (xml:lang is
  // attr("lang", ns::xml, "en")); set_attribute() semantics.
  Builder& attr(std::string name, std::string value);
  Builder& attr(std::string name, std::string ns, std::string value);
  Builder& tag(std::string name);
  Builder& tag(std::string name, std::string ns);
  Builder& text(std::string_view content);
  // Appends a ready-made element as a child of the current one (which
  // stays current).
  Builder& child(Element element);
  // Back to the parent; at the root, stays there.
  Builder& up();
  // Back to the root.
  Builder& root();

  const Element& element() const { return root_; }
  Element build() const& { return root_; }
  Element build() && { return std::move(root_); }

 private:
  Element& current();

  Element root_;
  // Child indexes from the root to the current element: indexes, not
  // pointers, which adding children would invalidate.
  std::vector<std::size_t> path_;
};

}  // namespace confab::xmpp
