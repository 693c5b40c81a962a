// libFuzzer target for the XMPP XML stream parser. The first byte says
// where to split the rest into two feeds (parsing must not depend on how
// bytes arrive); small limits make every policy path reachable in short
// inputs. Invariants: no crash or leak; an error is the last event and has a
// message; every stanza, written out and parsed again — standalone and on
// a stream with the same header — is the same tree and writes the same bytes
// (serialize is a fixed point after one round). A stanza named <restart/>
// restarts the stream, feeding back what reset() returns.
#include <cstdio>
#include <cstdlib>
#include <string>

#include "xmpp/stream_header.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_writer.hpp"

namespace {

using namespace confab;
using namespace confab::xmpp;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "xmpp_xml_stream invariant broken: %s\n%s\n", what, detail.c_str());
  std::abort();
}

void check(bool ok, const char* what, const std::string& detail = {}) {
  if (!ok) fail(what, detail);
}

// Same names, namespaces, attributes and children; prefixes are writer
// hints and may legitimately change on the first write.
bool same_tree(const Element& a, const Element& b) {
  if (a.name != b.name || a.ns != b.ns || a.attributes.size() != b.attributes.size() ||
      a.children.size() != b.children.size())
    return false;
  for (std::size_t i = 0; i < a.attributes.size(); ++i) {
    const Attribute &x = a.attributes[i], &y = b.attributes[i];
    if (x.name != y.name || x.ns != y.ns || x.value != y.value) return false;
  }
  for (std::size_t i = 0; i < a.children.size(); ++i) {
    const Node &x = a.children[i], &y = b.children[i];
    if (x.is_element() != y.is_element()) return false;
    if (x.is_element() ? !same_tree(*x.element(), *y.element()) : *x.text() != *y.text()) return false;
  }
  return true;
}

void round_trip(const Element& e, const StreamHeader& header, const StreamParserOptions& options) {
  // Standalone.
  const std::string once = serialize(e);
  auto again = parse_element(once);
  if (!again) fail("a written stanza does not parse", again.error().message() + "\n" + once);
  check(same_tree(*again, e), "standalone round trip changed the tree", once);
  check(serialize(*again) == once, "serialize is not a fixed point", once + "\n" + serialize(*again));

  // On a stream opened with the header the stanza came on.
  const Scope scope = scope_of(header);
  const std::string in_stream = serialize(e, scope);
  StreamParserOptions generous{Limits{}, options.content_namespace};
  StreamParser p(generous);
  p.feed(open_stream(header) + in_stream + close_stream(header));
  p.finish();
  int stanzas = 0;
  while (auto ev = p.poll_event()) {
    if (auto* err = std::get_if<StreamError>(&*ev)) fail("a written stream does not parse", err->message() + "\n" + in_stream);
    if (auto* s = std::get_if<Element>(&*ev)) {
      ++stanzas;
      check(same_tree(*s, e), "in-stream round trip changed the tree", in_stream);
      check(serialize(*s, scope) == in_stream, "in-stream serialize is not a fixed point", in_stream);
    }
  }
  check(stanzas == 1, "the written stream does not hold exactly the stanza");
}

struct Run {
  StreamParserOptions options;
  StreamParser parser;
  StreamHeader header;
  bool error_seen = false;

  explicit Run(StreamParserOptions o) : options(o), parser(o) {}

  void drain() {
    while (auto ev = parser.poll_event()) {
      check(!error_seen, "an event after the error");
      if (auto* err = std::get_if<StreamError>(&*ev)) {
        error_seen = true;
        check(!err->message().empty(), "empty error message");
        check(parser.failed(), "failed() after an error");
      } else if (auto* h = std::get_if<StreamHeader>(&*ev)) {
        header = *h;
      } else if (auto* e = std::get_if<Element>(&*ev)) {
        check(parser.opened(), "a stanza before the header");
        round_trip(*e, header, options);
        if (e->name == "restart") {
          Bytes rest = parser.reset();
          header = {};
          parser.feed(rest);
        }
      }
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView in(data + 1, size - 1);
  const std::size_t split = in.size() * data[0] / 255;

  Limits small;
  small.max_header_size = 512;
  small.max_stanza_size = 2048;
  small.max_depth = 8;
  small.max_attributes = 8;
  small.max_attribute_size = 128;
  small.max_text_size = 512;
  small.max_elements = 32;
  small.max_token_size = 1024;
  Run run(StreamParserOptions{small, (data[0] & 1) ? "jabber:client" : ""});
  run.parser.feed(in.first(split));
  run.drain();
  run.parser.feed(in.subspan(split));
  run.drain();
  run.parser.finish();
  run.drain();
  return 0;
}
