#pragma once
// Internal to confab_xmpp: the state behind StreamParser, shared by the
// driver (xml_stream_parser.cpp: input, slicing, limits on bytes), the expat
// glue (xml_stream_handlers.cpp: callbacks, refusing restricted XML, expat's
// errors) and the tree builder (xml_stream_tree.cpp: elements, limits on
// structure). Not included by users.
//
// Offsets are absolute byte positions in the current stream. Three markers
// move forward through it:
//   progress  end of the last token expat reported: what lies between it and
//             `fed` is an unfinished token expat will rescan on every feed;
//   boundary  start of the bytes the current limit counts (the stream start
//             until the header is complete, then the open stanza's start tag
//             or the end of the last event);
//   consumed  end of the last event poll_event() handed out: reset() returns
//             what comes after it.
#include <expat.h>

#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "xmpp/utf8.hpp"
#include "xmpp/xml_stream_parser.hpp"
#include "xmpp/xml_token_scan.hpp"

namespace confab::xmpp {

// Between namespace, local name and prefix in the names expat reports. A
// newline can be in no name, and expat (since 2.4.5) refuses a namespace
// name containing its separator.
inline constexpr XML_Char name_separator = '\n';

struct ExpatDeleter {
  void operator()(XML_ParserStruct* p) const { XML_ParserFree(p); }
};

struct StreamParser::Impl {
  Impl(StreamParserOptions opts, bool document_mode);
  Impl(const Impl&) = delete;  // expat holds `this` as its user data
  Impl& operator=(const Impl&) = delete;

  StreamParserOptions options;
  bool document;  // parse_element(): the root is the element itself, not a stream
  std::unique_ptr<XML_ParserStruct, ExpatDeleter> expat;

  // Input. `input` holds the bytes from `input_base` on: those not yet
  // given to expat, and those after `consumed` that reset() may return.
  std::string input;
  std::size_t input_base = 0;
  std::size_t fed = 0;          // bytes handed to expat
  std::size_t valid_end = 0;    // bytes checked as UTF-8 (the rest follow an invalid byte)
  std::size_t newlines = 0;     // '\n' among the checked bytes, and where the last line starts:
  std::size_t line_begin = 0;   // the position of an encoding error
  TokenEndScan token_scan;      // for hold_back(): can the unfinished token at
  std::size_t scan_token = static_cast<std::size_t>(-1);  // this offset end within
  std::size_t scan_end = 0;     // the bytes up to here?
  Utf8Validator utf8;
  std::optional<std::size_t> bad_utf8_at;
  bool eof = false;
  bool suspended = false;  // expat paused after an event, inside a slice
  bool final_parsed = false;

  std::size_t progress = 0;
  std::size_t boundary = 0;
  std::size_t consumed = 0;

  // Structure.
  bool opened = false;
  bool closed = false;  // the stream's close tag (document mode: the element's end tag)
  std::size_t depth = 0;  // open elements, the stream root included
  std::vector<Element> open_elements;  // the stanza being built, outermost first
  std::size_t stanza_start = 0;
  std::size_t stanza_line = 0;
  std::size_t stanza_column = 0;
  std::size_t stanza_elements = 0;
  std::vector<std::pair<std::string, std::string>> pending_namespaces;  // for the next start tag

  struct Queued {
    StreamEvent event;
    std::size_t end;  // where the event's bytes end
  };
  std::deque<Queued> events;
  bool failed = false;

  // Hibernation: between stanzas, with every byte parsed, an idle stream
  // needs no expat (~10 KiB). It is dropped and, when bytes come, a fresh
  // one is primed with the original stream header (kept here) so prefixes
  // and the default namespace resolve as before. expat's positions then
  // count from the primed header: these map them back to the stream's.
  std::string header_bytes;          // the stream header as it arrived, XML declaration included
  bool reviving = false;             // priming a fresh expat: the handlers stay quiet
  std::size_t expat_base = 0;        // stream offset of expat's byte 0 (modulo 2^64: the primer may be longer)
  std::size_t expat_first_line = 1;  // expat's line number of the first resumed byte,
  std::size_t resumed_line = 1;      // the stream's line there,
  std::size_t resumed_column = 0;    // and the stream's column (0-based) there
  bool can_hibernate() const;
  void hibernate();
  void revive();
  std::size_t expat_index() const;
  std::size_t expat_line() const;
  std::size_t expat_column() const;  // 1-based

  // Driver (xml_stream_parser.cpp).
  void append(ByteView bytes);
  bool step();  // one unit of parsing work; false when it needs more bytes
  bool hold_back();
  std::size_t limit() const;
  void after_parse(XML_Status status);
  void at_end_of_input();
  void compact();

  // Tree building (xml_stream_tree.cpp).
  void open_stream(const XML_Char* name, const XML_Char** atts);
  void start_element(const XML_Char* name, const XML_Char** atts);
  void end_element();
  void text(std::string_view data);

  // expat glue (xml_stream_handlers.cpp).
  void install_handlers();
  std::size_t event_begin() const;
  std::size_t event_end() const;
  void mark_progress();
  void emit(StreamEvent event, std::size_t end);
  // An error at the token expat is on (with its line and column), or at a
  // given offset and position.
  void fail(StreamErrorCondition condition, std::string detail);
  void fail_at(StreamErrorCondition condition, std::size_t offset, std::size_t line, std::size_t column,
               std::string detail);
  void fail_from_expat();
};

}  // namespace confab::xmpp
