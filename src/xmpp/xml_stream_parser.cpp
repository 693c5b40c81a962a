// The driver: keeps the input, hands it to expat in slices no larger than
// the limit still allows, pauses expat after each event, and enforces the
// limits that are about bytes rather than structure.
#include "xmpp/xml_stream_parser.hpp"

#include <algorithm>
#include <climits>

#include "xmpp/xml_stream_state.hpp"

namespace confab::xmpp {

namespace {

// Below this, an unfinished token is cheap to rescan and bytes go to expat
// as they come.
constexpr std::size_t rescan_threshold = 1024;
constexpr std::size_t max_slice = INT_MAX / 2;  // XML_Parse takes an int

}  // namespace

void StreamParser::Impl::append(ByteView bytes) {
  const std::size_t start = input_base + input.size();
  std::size_t valid = bytes.size();
  if (!bad_utf8_at) {
    const std::size_t bad = utf8.feed(bytes);
    if (bad != Utf8Validator::npos) {
      valid = bad;
      bad_utf8_at = start + bad;
    }
    for (std::size_t i = 0; i < valid; ++i) {
      if (bytes[i] == '\n') {
        ++newlines;
        line_begin = start + i + 1;
      }
    }
    valid_end = start + valid;
  }
  // Bytes after an invalid one are kept (reset() returns them) but never parsed.
  input.append(as_chars(bytes));
}

// The limit on the bytes from `boundary` on.
std::size_t StreamParser::Impl::limit() const {
  return document || opened ? options.limits.max_stanza_size : options.limits.max_header_size;
}

// expat rescans an unfinished token from its start on every XML_Parse call,
// so a peer dribbling a long start tag a byte at a time would cost time
// quadratic in its length (CVE-2023-52425). Once the unfinished part is
// long, bytes are held back while they cannot finish it (no '>' outside
// quotes for a tag: TokenEndScan), until they at least double it — linear
// work. Since every event ends a tag, holding back never delays one.
bool StreamParser::Impl::hold_back() {
  if (eof || bad_utf8_at) return false;
  const std::size_t unfinished = fed - progress;
  if (unfinished < rescan_threshold) return false;
  const std::string_view retained(input);  // holds everything from `consumed` <= `progress` on
  if (scan_token != progress) {
    scan_token = progress;
    scan_end = progress;
    token_scan.start(retained.substr(progress - input_base, 4));
  }
  token_scan.scan(retained.substr(scan_end - input_base, valid_end - scan_end));
  scan_end = valid_end;
  if (token_scan.can_end()) return false;
  return valid_end - fed < unfinished;
}

bool StreamParser::Impl::step() {
  if (failed) return false;
  if (!expat) {
    if (fed >= valid_end && !eof && !bad_utf8_at) return false;  // still nothing to parse
    revive();
    if (failed) return true;
  }
  if (suspended) {
    suspended = false;
    after_parse(XML_ResumeParser(expat.get()));
    return true;
  }
  if (fed < valid_end) {
    if (hold_back()) return false;
    // One byte past what the limit still allows, so going over is seen.
    const std::size_t allowed = limit() - (fed - boundary);  // fed - boundary <= limit(), or after_parse() failed
    const std::size_t n = std::min({valid_end - fed, allowed < max_slice ? allowed + 1 : max_slice});
    const char* data = input.data() + (fed - input_base);
    fed += n;
    after_parse(XML_Parse(expat.get(), data, static_cast<int>(n), XML_FALSE));
    return true;
  }
  if (bad_utf8_at) {
    fail_at(StreamErrorCondition::unsupported_encoding, *bad_utf8_at, newlines + 1, *bad_utf8_at - line_begin + 1,
            "bytes that are not UTF-8 (RFC 6120 §11.6)");
    return true;
  }
  if (eof && !final_parsed) {
    final_parsed = true;
    at_end_of_input();
    return true;
  }
  return false;
}

void StreamParser::Impl::after_parse(XML_Status status) {
  if (failed) return;  // a callback found the error and stopped expat
  if (status == XML_STATUS_SUSPENDED) {
    suspended = true;
    return;
  }
  if (status == XML_STATUS_ERROR) {
    fail_from_expat();
    return;
  }
  // expat has taken every byte fed so far.
  if (fed - boundary > limit()) {
    if (!opened && !document) {
      fail_at(StreamErrorCondition::policy_violation, limit(), 0, 0,
              "no stream header within " + std::to_string(limit()) + " bytes");
    } else if (!open_elements.empty()) {
      fail_at(StreamErrorCondition::policy_violation, stanza_start, stanza_line, stanza_column,
              "<" + open_elements.front().name + "/> exceeds " + std::to_string(limit()) + " bytes");
    } else {
      fail_at(StreamErrorCondition::policy_violation, boundary, 0, 0,
              "stanza exceeds " + std::to_string(limit()) + " bytes");
    }
  } else if (fed - progress > options.limits.max_token_size) {
    fail_at(StreamErrorCondition::policy_violation, progress, 0, 0,
            "a tag longer than " + std::to_string(options.limits.max_token_size) + " bytes");
  }
}

// The transport closed and every byte has been parsed.
void StreamParser::Impl::at_end_of_input() {
  const bool inside = !open_elements.empty();
  if (document && !closed) {
    fail_at(StreamErrorCondition::not_well_formed, fed, 0, 0,
            inside ? "input ends inside <" + open_elements.front().name + "/>" : "no element");
    return;
  }
  if (!document && !opened) {
    fail_at(StreamErrorCondition::not_well_formed, fed, 0, 0, "connection closed before a stream header");
    return;
  }
  if (!document && !closed) {
    fail_at(StreamErrorCondition::not_well_formed, fed, 0, 0,
            inside ? "connection closed inside <" + open_elements.front().name + "/>"
                   : "connection closed without </stream:stream>");
    return;
  }
  // Complete; a half token after the end is still an error.
  if (XML_Parse(expat.get(), "", 0, XML_TRUE) == XML_STATUS_ERROR) fail_from_expat();
}

// Drops bytes nobody needs any more: parsed, and before `consumed`.
void StreamParser::Impl::compact() {
  const std::size_t drop_to = std::min(consumed, fed);
  if (drop_to <= input_base) return;
  const std::size_t n = drop_to - input_base;
  if (n * 2 < input.size() && n < 64 * 1024) return;  // amortised: not on every event
  input.erase(0, n);
  input_base = drop_to;
}

// Idle between stanzas with nothing left to parse: expat can go.
bool StreamParser::Impl::can_hibernate() const {
  return expat && !document && opened && !closed && !failed && !eof && !suspended && !reviving && depth == 1 &&
         open_elements.empty() && pending_namespaces.empty() && events.empty() && !header_bytes.empty() &&
         !bad_utf8_at && fed == valid_end && fed == input_base + input.size() && progress == fed;
}

void StreamParser::Impl::hibernate() {
  expat.reset();
  // Every byte is parsed and every event handed out: the input can go too
  // (reset() skips whitespace after the last event anyway).
  input_base = fed;
  std::string().swap(input);
  consumed = std::max(consumed, fed);
  // Where the stream is now; bytes fed later count their own lines.
  resumed_line = newlines + 1;
  resumed_column = fed - line_begin;
}

void StreamParser::Impl::revive() {
  expat.reset(XML_ParserCreateNS("UTF-8", name_separator));
  if (!expat) {
    failed = true;
    events.push_back(Queued{StreamError{StreamErrorCondition::resource_constraint, fed, 0, 0, "out of memory"}, fed});
    return;
  }
  install_handlers();
  // The header, then a line break so the resumed bytes start a line of
  // expat's own; whitespace after the header is a keepalive, not an event.
  const std::string primer = header_bytes + "\n";
  reviving = true;
  const XML_Status status = XML_Parse(expat.get(), primer.data(), static_cast<int>(primer.size()), XML_FALSE);
  reviving = false;
  if (status != XML_STATUS_OK) {  // cannot happen: these bytes parsed before
    fail_at(StreamErrorCondition::internal_server_error, fed, 0, 0, "could not resume the stream parser");
    return;
  }
  expat_base = fed - primer.size();  // fed >= header size: the header was fed before
  expat_first_line = static_cast<std::size_t>(std::count(primer.begin(), primer.end(), '\n')) + 1;
}

StreamParser::StreamParser(StreamParserOptions options) : StreamParser(std::move(options), false) {}

StreamParser::StreamParser(StreamParserOptions options, bool document)
    : impl_(std::make_unique<Impl>(std::move(options), document)) {}

StreamParser::~StreamParser() = default;
StreamParser::StreamParser(StreamParser&&) noexcept = default;
StreamParser& StreamParser::operator=(StreamParser&&) noexcept = default;

void StreamParser::feed(ByteView bytes) {
  if (impl_->failed || impl_->eof || bytes.empty()) return;
  impl_->append(bytes);
}

void StreamParser::finish() { impl_->eof = true; }

std::optional<StreamEvent> StreamParser::poll_event() {
  Impl& s = *impl_;
  while (s.events.empty() && s.step()) {
  }
  if (s.events.empty()) {
    if (s.can_hibernate()) s.hibernate();
    return std::nullopt;
  }
  Impl::Queued q = std::move(s.events.front());
  s.events.pop_front();
  s.consumed = std::max(s.consumed, q.end);
  s.compact();
  return std::move(q.event);
}

Bytes StreamParser::reset() {
  Impl& s = *impl_;
  const std::size_t from = std::max(s.consumed, s.input_base);
  std::string_view rest = std::string_view(s.input).substr(std::min(from - s.input_base, s.input.size()));
  // Whitespace after the last event is the old stream's (a line break after
  // <starttls/>); the new stream must start at its XML declaration.
  rest.remove_prefix(std::min(rest.find_first_not_of(" \t\r\n"), rest.size()));
  const ByteView bytes = as_bytes(rest);
  Bytes leftover(bytes.begin(), bytes.end());
  impl_ = std::make_unique<Impl>(std::move(s.options), s.document);
  return leftover;
}

bool StreamParser::opened() const { return impl_->opened; }
bool StreamParser::hibernating() const { return !impl_->expat; }
bool StreamParser::closed() const { return impl_->closed; }
bool StreamParser::failed() const { return impl_->failed; }
// limit() and the tree builder read the options on every step, so this
// holds from the next slice handed to expat.
void StreamParser::set_limits(const Limits& limits) { impl_->options.limits = limits; }
std::size_t StreamParser::offset() const { return impl_->input_base + impl_->input.size(); }

Result<Element, StreamError> parse_element(std::string_view xml, const Limits& limits) {
  StreamParser parser(StreamParserOptions{limits, {}}, true);
  parser.feed(xml);
  parser.finish();
  std::optional<Element> element;
  while (auto event = parser.poll_event()) {
    if (auto* error = std::get_if<StreamError>(&*event)) return unexpected(std::move(*error));
    if (auto* e = std::get_if<Element>(&*event)) element = std::move(*e);
  }
  if (!element) return unexpected(StreamError{StreamErrorCondition::not_well_formed, xml.size(), 0, 0, "no element"});
  return std::move(*element);
}

}  // namespace confab::xmpp
