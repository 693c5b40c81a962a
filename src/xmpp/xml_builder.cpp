// The builder walks its index path from the root on each call; stanzas are
// a few levels deep, so that is cheaper than keeping pointers valid.
#include "xmpp/xml_builder.hpp"

namespace confab::xmpp {

Builder::Builder(std::string name, std::string ns) : root_(std::move(name), std::move(ns)) {}

Builder::Builder(Element root) : root_(std::move(root)) {}

Element& Builder::current() {
  Element* e = &root_;
  for (std::size_t i : path_) e = e->children[i].element();
  return *e;
}

Builder& Builder::attr(std::string name, std::string value) {
  current().set_attribute(std::move(name), std::move(value));
  return *this;
}

Builder& Builder::attr(std::string name, std::string ns, std::string value) {
  current().set_attribute(std::move(name), std::move(ns), std::move(value));
  return *this;
}

Builder& Builder::tag(std::string name) {
  std::string ns = current().ns;
  return tag(std::move(name), std::move(ns));
}

Builder& Builder::tag(std::string name, std::string ns) {
  Element& parent = current();
  parent.add_child(Element(std::move(name), std::move(ns)));
  path_.push_back(parent.children.size() - 1);
  return *this;
}

Builder& Builder::child(Element element) {
  current().add_child(std::move(element));
  return *this;
}

Builder& Builder::text(std::string_view content) {
  current().add_text(content);
  return *this;
}

Builder& Builder::up() {
  if (!path_.empty()) path_.pop_back();
  return *this;
}

Builder& Builder::root() {
  path_.clear();
  return *this;
}

}  // namespace confab::xmpp
