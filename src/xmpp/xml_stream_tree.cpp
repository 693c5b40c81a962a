// Building the tree from expat's callbacks: the stream header, elements,
// text; and the limits on structure (depth, attributes, sizes, element
// count) checked as each piece arrives. expat runs in namespace mode, so
// names arrive resolved as "namespace\nlocal\nprefix" and xmlns attributes
// as declarations (on_namespace), not attributes.
#include <algorithm>
#include <cstring>

#include "xmpp/namespaces.hpp"
#include "xmpp/xml_stream_state.hpp"

namespace confab::xmpp {

namespace {

using Impl = StreamParser::Impl;
using C = StreamErrorCondition;

struct Name {
  std::string_view ns, local, prefix;
};

Name split_name(const XML_Char* raw) {
  const std::string_view s(raw);
  const auto a = s.find(name_separator);
  if (a == std::string_view::npos) return {{}, s, {}};
  const auto b = s.find(name_separator, a + 1);
  if (b == std::string_view::npos) return {s.substr(0, a), s.substr(a + 1), {}};
  return {s.substr(0, a), s.substr(a + 1, b - a - 1), s.substr(b + 1)};
}

bool is_space(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

std::size_t count(const XML_Char** atts) {
  std::size_t n = 0;
  while (atts[2 * n]) ++n;
  return n;
}

// Checks the per-element limits on attributes; false (having failed) if over.
bool attributes_within_limits(Impl& s, const XML_Char** atts) {
  const Limits& limits = s.options.limits;
  if (count(atts) + s.pending_namespaces.size() > limits.max_attributes) {
    s.fail(C::policy_violation, "more than " + std::to_string(limits.max_attributes) + " attributes on one element");
    return false;
  }
  for (std::size_t i = 0; atts[i]; i += 2) {
    if (std::strlen(atts[i + 1]) > limits.max_attribute_size) {
      s.fail(C::policy_violation, "attribute '" + std::string(split_name(atts[i]).local) + "' exceeds " +
                                      std::to_string(limits.max_attribute_size) + " bytes");
      return false;
    }
  }
  return true;
}

}  // namespace

void StreamParser::Impl::open_stream(const XML_Char* raw, const XML_Char** atts) {
  const Name name = split_name(raw);
  if (event_end() > options.limits.max_header_size) {
    return fail_at(C::policy_violation, options.limits.max_header_size, 0, 0,
                   "no stream header within " + std::to_string(options.limits.max_header_size) + " bytes");
  }
  if (name.ns != ns::streams) {
    return fail(C::invalid_namespace, "root element <" + std::string(name.local) + "> is in namespace '" +
                                          std::string(name.ns) + "', not " + std::string(ns::streams));
  }
  if (name.local != "stream")
    return fail(C::bad_format, "root element is <" + std::string(name.local) + ">, not <stream>");
  if (name.prefix.empty()) {
    return fail(C::bad_namespace_prefix,
                "the stream element has no prefix, which leaves the default namespace to the stream namespace "
                "instead of the content namespace");
  }
  if (!attributes_within_limits(*this, atts)) return;

  StreamHeader header;
  header.prefix = std::string(name.prefix);
  header.namespaces = std::move(pending_namespaces);
  pending_namespaces.clear();
  for (const auto& [prefix, uri] : header.namespaces)
    if (prefix.empty()) header.content_namespace = uri;
  if (!header.content_namespace.empty()) {
    const std::string& want = options.content_namespace;
    const bool ok = want.empty() ? header.content_namespace == ns::client || header.content_namespace == ns::server
                                 : header.content_namespace == want;
    if (!ok) {
      return fail(C::invalid_namespace, "content namespace '" + header.content_namespace + "' (expected " +
                                            (want.empty() ? "jabber:client or jabber:server" : want) + ")");
    }
  }
  for (std::size_t i = 0; atts[i]; i += 2) {
    const Name a = split_name(atts[i]);
    std::string value = atts[i + 1];
    if (a.ns.empty() && a.local == "to") header.to = std::move(value);
    else if (a.ns.empty() && a.local == "from") header.from = std::move(value);
    else if (a.ns.empty() && a.local == "id") header.id = std::move(value);
    else if (a.ns.empty() && a.local == "version") header.version = std::move(value);
    else if (a.ns == ns::xml && a.local == "lang") header.lang = std::move(value);
    else
      header.other_attributes.push_back(
          Attribute{std::string(a.local), std::string(a.ns), std::move(value), std::string(a.prefix)});
  }
  opened = true;
  depth = 1;
  boundary = event_end();
  // Kept for hibernation (xml_stream_parser.cpp): the header's bytes, from
  // the stream's start (nothing before it has been dropped yet).
  if (input_base == 0 && boundary <= input.size()) header_bytes.assign(input, 0, boundary);
  emit(std::move(header), boundary);
}

void StreamParser::Impl::start_element(const XML_Char* raw, const XML_Char** atts) {
  const Limits& limits = options.limits;
  const Name name = split_name(raw);
  const std::size_t level = document ? depth + 1 : depth;  // 1: the stanza (or the document's element)
  if (level == 1) {
    stanza_start = event_begin();
    stanza_line = expat_line();
    stanza_column = expat_column();
    stanza_elements = 0;
    boundary = stanza_start;
    if (!document && name.ns == ns::streams && name.local == "stream")
      return fail(C::bad_format, "a stream header inside the stream (a restart before the server asked for one?)");
  }
  if (level > limits.max_depth)
    return fail(C::policy_violation, "elements nested deeper than " + std::to_string(limits.max_depth));
  if (++stanza_elements > limits.max_elements)
    return fail(C::policy_violation, "more than " + std::to_string(limits.max_elements) + " elements in one stanza");
  if (!attributes_within_limits(*this, atts)) return;
  pending_namespaces.clear();

  Element e(std::string(name.local), std::string(name.ns));
  e.prefix = std::string(name.prefix);
  e.attributes.reserve(count(atts));
  for (std::size_t i = 0; atts[i]; i += 2) {
    const Name a = split_name(atts[i]);
    e.attributes.push_back(Attribute{std::string(a.local), std::string(a.ns), atts[i + 1], std::string(a.prefix)});
  }
  open_elements.push_back(std::move(e));
  ++depth;
}

void StreamParser::Impl::end_element() {
  --depth;
  if (!document && depth == 0) {
    closed = true;
    boundary = event_end();
    emit(StreamClosed{}, boundary);
    return;
  }
  Element e = std::move(open_elements.back());
  open_elements.pop_back();
  if (!open_elements.empty()) {
    open_elements.back().children.emplace_back(std::move(e));
    return;
  }
  const std::size_t end = event_end();
  if (end - stanza_start > options.limits.max_stanza_size) {
    return fail_at(C::policy_violation, stanza_start, stanza_line, stanza_column,
                   "<" + e.name + "/> exceeds " + std::to_string(options.limits.max_stanza_size) + " bytes");
  }
  boundary = end;
  if (document) closed = true;
  emit(std::move(e), end);
}

void StreamParser::Impl::text(std::string_view data) {
  if (open_elements.empty()) {
    // Between stanzas only whitespace may appear: keepalives (RFC 6120
    // §4.6.1), line breaks after a stanza. They are not events.
    if (!is_space(data)) return fail(C::bad_format, "text between stanzas");
    boundary = event_end();
    if (events.empty()) consumed = std::max(consumed, boundary);
    return;
  }
  std::vector<Node>& children = open_elements.back().children;  // runs split by expat join up again
  std::string* run = children.empty() ? nullptr : children.back().text();
  if (!run) run = children.emplace_back(std::string()).text();
  if (run->size() + data.size() > options.limits.max_text_size)
    return fail(C::policy_violation, "text longer than " + std::to_string(options.limits.max_text_size) + " bytes");
  run->append(data);
}

}  // namespace confab::xmpp
