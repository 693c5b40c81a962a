// The writer walks the tree once, keeping the namespace bindings in force
// as a stack: an element pushes the declarations it writes and pops them on
// its way out. Prefix choice is deterministic, so writing a parsed element
// again gives the same bytes (the fuzz target holds it to that).
#include "xmpp/xml_writer.hpp"

#include <algorithm>

#include "xmpp/namespaces.hpp"
#include "xmpp/utf8.hpp"

namespace confab::xmpp {

namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

void append_escaped(std::string& out, std::string_view s, bool attribute) {
  for (std::size_t i = 0; i < s.size();) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x80) {
      switch (s[i]) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '\'': out += attribute ? "&apos;" : "'"; break;
        case '"': out += attribute ? "&quot;" : "\""; break;
        case '\t': out += attribute ? "&#9;" : "\t"; break;
        case '\n': out += attribute ? "&#10;" : "\n"; break;
        case '\r': out += "&#13;"; break;
        default:
          if (u < 0x20)
            out.append(replacement);
          else
            out.push_back(s[i]);
      }
      ++i;
      continue;
    }
    const Utf8Char c = decode_utf8(s, i);
    if (c.length == 0) {
      out.append(replacement);
      ++i;
    } else {
      out.append(is_xml_char(c.code_point) ? s.substr(i, c.length) : replacement);
      i += c.length;
    }
  }
}

bool has_content(const Element& e) {
  return std::any_of(e.children.begin(), e.children.end(), [](const Node& n) {
    const std::string* t = n.text();
    return !t || !t->empty();
  });
}

bool is_declaration(const Attribute& a) {
  return a.ns.empty() && (a.name == "xmlns" || a.name.starts_with("xmlns:"));
}

class Writer {
 public:
  Writer(std::string& out, const Scope& scope)
      : out_(out), default_ns_(scope.default_ns), bindings_(scope.prefixes) {}

  void element(const Element& e) {
    const std::size_t outer = bindings_.size();
    std::string outer_default;
    bool default_changed = false;
    std::vector<std::pair<std::string, std::string>> declarations;  // written on this tag ("" = default)
    std::vector<std::string> taken;  // prefixes this tag uses or declares

    auto declare = [&](const std::string& prefix, const std::string& ns_name) {
      declarations.emplace_back(prefix, ns_name);
      if (prefix.empty()) {
        if (!default_changed) outer_default = std::move(default_ns_);
        default_changed = true;
        default_ns_ = ns_name;
      } else {
        bindings_.emplace_back(prefix, ns_name);
        taken.push_back(prefix);
      }
    };
    auto is_taken = [&](std::string_view p) { return std::find(taken.begin(), taken.end(), p) != taken.end(); };

    // The element's own name: its prefix hint if it can carry the
    // namespace, else the default namespace.
    std::string prefix;
    if (e.ns == ns::xml) {
      prefix = "xml";  // predeclared; may not be declared, nor made the default
    } else if (!e.ns.empty() && usable_prefix(e.prefix)) {
      prefix = e.prefix;
      if (!bound_to(prefix, e.ns)) declare(prefix, e.ns);
    } else if (default_ns_ != e.ns) {
      declare("", e.ns);
    }
    if (!prefix.empty()) taken.push_back(prefix);

    // Attributes: unqualified ones need no prefix (the default namespace
    // does not apply to them); qualified ones need a prefix bound to their
    // namespace on this tag — the hint, one already in force, or a new one.
    std::vector<std::string> attribute_prefixes(e.attributes.size());
    for (std::size_t i = 0; i < e.attributes.size(); ++i) {
      const Attribute& a = e.attributes[i];
      if (a.ns.empty() || is_declaration(a)) continue;
      if (a.ns == ns::xml) {
        attribute_prefixes[i] = "xml";
        continue;
      }
      std::string p;
      if (usable_prefix(a.prefix) && bound_to(a.prefix, a.ns)) {
        p = a.prefix;
      } else if (usable_prefix(a.prefix) && !is_taken(a.prefix)) {
        p = a.prefix;
        declare(p, a.ns);
      } else if (auto existing = prefix_for(a.ns)) {
        p = *existing;
      } else {
        for (std::size_t k = 0; p.empty() || is_taken(p) || bound_to_anything(p); ++k) p = "ns" + std::to_string(k);
        declare(p, a.ns);
      }
      if (!is_taken(p)) taken.push_back(p);
      attribute_prefixes[i] = std::move(p);
    }

    out_ += '<';
    write_qname(prefix, e.name);
    for (const auto& [p, uri] : declarations) {
      out_ += p.empty() ? " xmlns='" : " xmlns:";
      if (!p.empty()) (out_ += p) += "='";
      append_escaped(out_, uri, true);
      out_ += '\'';
    }
    for (std::size_t i = 0; i < e.attributes.size(); ++i) {
      const Attribute& a = e.attributes[i];
      if (is_declaration(a)) continue;
      out_ += ' ';
      write_qname(attribute_prefixes[i], a.name);
      out_ += "='";
      append_escaped(out_, a.value, true);
      out_ += '\'';
    }

    if (!has_content(e)) {
      out_ += "/>";
    } else {
      out_ += '>';
      for (const Node& n : e.children) {
        if (const Element* c = n.element())
          element(*c);
        else
          append_escaped(out_, *n.text(), false);
      }
      out_ += "</";
      write_qname(prefix, e.name);
      out_ += '>';
    }

    bindings_.resize(outer);
    if (default_changed) default_ns_ = std::move(outer_default);
  }

 private:
  // A prefix the writer may bind: `xml` and `xmlns` are reserved.
  static bool usable_prefix(std::string_view p) { return !p.empty() && p != "xml" && p != "xmlns"; }

  const std::string* lookup(std::string_view prefix) const {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
      if (it->first == prefix) return &it->second;
    return nullptr;
  }
  bool bound_to(std::string_view prefix, std::string_view ns_name) const {
    const std::string* uri = lookup(prefix);
    return uri && *uri == ns_name;
  }
  bool bound_to_anything(std::string_view prefix) const { return lookup(prefix) != nullptr; }
  // A prefix in force for this namespace (the innermost binding wins, so a
  // shadowed one does not count).
  std::optional<std::string> prefix_for(std::string_view ns_name) const {
    for (auto it = bindings_.rbegin(); it != bindings_.rend(); ++it)
      if (it->second == ns_name && usable_prefix(it->first) && bound_to(it->first, ns_name)) return it->first;
    return std::nullopt;
  }

  void write_qname(std::string_view prefix, std::string_view local) {
    if (!prefix.empty()) (out_ += prefix) += ':';
    out_ += local;
  }

  std::string& out_;
  std::string default_ns_;
  std::vector<std::pair<std::string, std::string>> bindings_;
};

}  // namespace

void append_escaped_text(std::string& out, std::string_view text) { append_escaped(out, text, false); }
void append_escaped_attribute(std::string& out, std::string_view value) { append_escaped(out, value, true); }

void serialize(const Element& e, std::string& out, const Scope& scope) { Writer(out, scope).element(e); }

std::string serialize(const Element& e, const Scope& scope) {
  std::string out;
  serialize(e, out, scope);
  return out;
}

}  // namespace confab::xmpp
