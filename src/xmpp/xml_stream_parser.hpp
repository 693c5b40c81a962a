#pragma once
// The incoming half of an XML stream (RFC 6120 §4): bytes in, in chunks
// split anywhere (even inside a UTF-8 character); events out — the stream
// header, each first-level element ("stanza": <message/>, <presence/>,
// <iq/>, but also <stream:features/>, <starttls/>, <auth/>...) once it is
// complete, and the close tag. Built on expat, with every limit a hostile
// peer could push enforced before it costs memory, and the XML features XMPP
// forbids (§11.1) refused. Sans-I/O: no socket, no clock.
//
//   parser.feed(bytes_read);
//   while (auto event = parser.poll_event()) { ... }
//
// Parsing happens in poll_event(), one event at a time, so the session can
// act on an event — a <starttls/> or a SASL <success/> that restarts the
// stream — before a single byte after it has been parsed (see reset()).
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "xmpp/stream_error.hpp"
#include "xmpp/stream_header.hpp"
#include "xmpp/xml_element.hpp"

namespace confab::xmpp {

// Bounds a hostile peer cannot push the parser past; going over one is a
// policy-violation stream error. Byte counts are on the wire (before
// decoding) unless said otherwise.
struct Limits {
  // Bytes before the stream header is complete, XML declaration included.
  std::size_t max_header_size = 8 * 1024;
  // One first-level element, from its start tag to its end tag. Prosody's
  // c2s default; what a stanza may occupy in memory is bounded by it.
  std::size_t max_stanza_size = 256 * 1024;
  // Element nesting in a stanza; the stanza itself is depth 1.
  std::size_t max_depth = 32;
  // Attributes on one element, namespace declarations included.
  std::size_t max_attributes = 64;
  // One attribute value, decoded.
  std::size_t max_attribute_size = 8 * 1024;
  // One run of text, decoded (the stanza limit bounds it by default).
  std::size_t max_text_size = 256 * 1024;
  // Elements in one stanza: what a stanza of many tiny elements (`<a/>` is
  // four bytes, its Element ~150) may cost in memory.
  std::size_t max_elements = 16 * 1024;
  // One piece of markup still arriving: a start tag with all its
  // attributes, an end tag, a reference. Text is not a token (it is
  // reported as it comes).
  std::size_t max_token_size = 32 * 1024;
};

struct StreamParserOptions {
  Limits limits;
  // The content namespace the header must declare as its default (§4.8.2):
  // "jabber:client" on a client port, "jabber:server" on a server port.
  // Empty accepts either of those two. A header declaring none is accepted
  // (the session sees content_namespace empty and stanzas without one).
  std::string content_namespace;
};

// The peer closed its stream with </stream:stream> (§4.4).
struct StreamClosed {
  bool operator==(const StreamClosed&) const = default;
};

// A stream header, a complete first-level element, the close, or the
// error that ends the stream (always the last event).
using StreamEvent = std::variant<StreamHeader, Element, StreamClosed, StreamError>;

class StreamParser {
 public:
  explicit StreamParser(StreamParserOptions options = {});
  ~StreamParser();
  StreamParser(StreamParser&&) noexcept;
  StreamParser& operator=(StreamParser&&) noexcept;

  // Bytes received, in order. Cheap: they are only checked for UTF-8 and
  // queued here; poll_event() parses. Ignored after an error.
  void feed(ByteView bytes);
  void feed(std::string_view bytes) { feed(as_bytes(bytes)); }
  // The transport closed: anything unparsed is parsed, and a stream that was
  // not closed with </stream:stream> ends with a not-well-formed error.
  void finish();

  // The next event, or nullopt when more bytes are needed. Events before an
  // error are genuine (complete, checked) and are delivered first; the
  // error is delivered once, and nothing after it.
  std::optional<StreamEvent> poll_event();

  // Starts a new stream on the same connection (a fresh expat parser, every
  // count back to zero), as after STARTTLS (§5.4.3.3) and SASL success
  // (§6.4.6). Returns the bytes that arrived after the last event
  // poll_event() returned, unparsed, leading whitespace (the old stream's)
  // left out: after STARTTLS they were sent in
  // plaintext before the handshake and must be thrown away (their presence
  // is an attack); after SASL success they belong to the new stream, so
  // feed them back.
  Bytes reset();

  bool opened() const;  // the header has been parsed
  // Idle between stanzas, the parser holds no expat state (it comes back
  // with the next byte): what lets thousands of idle streams stay small.
  bool hibernating() const;
  bool closed() const;  // the close tag has been parsed
  bool failed() const;  // an error has been found (it may not be polled yet)
  // New limits from the next stanza on, for a stream that changes them
  // without a restart (XEP-0114: a component's stream after its handshake).
  // Call it between stanzas, right after poll_event() returned one.
  void set_limits(const Limits& limits);
  // Bytes of the current stream seen by the parser so far.
  std::size_t offset() const;

  struct Impl;  // opaque: internal to the library (xml_stream_state.hpp)

 private:
  friend Result<Element, StreamError> parse_element(std::string_view xml, const Limits& limits);
  StreamParser(StreamParserOptions options, bool document);
  std::unique_ptr<Impl> impl_;
};

// One standalone element (a stored stanza, a test fixture), under the same
// limits and restrictions as a stream: the whole input is its one element,
// with only whitespace and an XML declaration around it.
Result<Element, StreamError> parse_element(std::string_view xml, const Limits& limits = {});

}  // namespace confab::xmpp
