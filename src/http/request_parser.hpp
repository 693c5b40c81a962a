#pragma once
// An HTTP/1.1 request parser (RFC 9112), incremental and sans-I/O: bytes in
// (`feed`, any split), events out (`poll_event`): the head once it is
// complete and checked, the body in chunks as it arrives (never buffered
// whole), then the end of the message; then the next request on the same
// connection (keep-alive, pipelining).
//
//   RequestParser p;
//   p.feed(bytes_read);
//   while (auto e = p.poll_event()) {
//     if (auto* head = std::get_if<RequestHead>(&*e)) ...     // decide: accept, refuse
//     else if (auto* chunk = std::get_if<BodyChunk>(&*e)) ... // write it somewhere
//     else if (std::holds_alternative<MessageComplete>(*e)) ... // answer; the next request may follow
//     else if (auto* err = std::get_if<HttpError>(&*e)) ...  // answer err->status and close
//   }
//   // at EOF: if (auto err = p.finish()) the peer stopped in the middle of a request
//
// Framing is Content-Length only: a request with Transfer-Encoding is
// refused (411 when chunked: send a length; 501 for any other coding), so
// there is exactly one way to find where a body ends and no smuggling
// between two readings of it. Lines end in CRLF (a bare LF is 400). Parsing
// happens inside poll_event(), one event at a time, so a caller that stops
// polling (waiting for its disk, or for the answer to go out) holds the
// rest of the bytes unparsed.
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <variant>

#include "core/bytes.hpp"
#include "http/error.hpp"
#include "http/input_buffer.hpp"
#include "http/message.hpp"

namespace confab::http {

struct RequestLimits {
  std::size_t max_request_line = 8192;  // longer: 414 URI Too Long
  std::size_t max_field_line = 8192;    // one header line; longer: 431
  std::size_t max_fields = 64;          // more: 431
  std::size_t max_head_size = 32768;    // request line + fields + CRLFs; more: 431
  std::uint64_t max_body = std::numeric_limits<std::uint64_t>::max();  // a larger Content-Length: 413
  std::size_t max_chunk = 65536;        // bytes one BodyChunk carries at most
};

struct BodyChunk {
  Bytes bytes;
};
struct MessageComplete {};

using RequestEvent = std::variant<RequestHead, BodyChunk, MessageComplete, HttpError>;

class RequestParser {
 public:
  explicit RequestParser(RequestLimits limits = {}) : limits_(limits) {}

  void feed(ByteView bytes);
  std::optional<RequestEvent> poll_event();
  // The peer finished sending: an error when it stopped inside a request
  // (a body shorter than its Content-Length is 400), nullopt between requests.
  std::optional<HttpError> finish();

  bool failed() const { return state_ == State::failed; }
  // Between requests with nothing buffered: a clean place for a connection to end.
  bool idle() const { return state_ == State::request_line && in_.size() == 0; }
  std::size_t buffered() const { return in_.size(); }
  // Body bytes of the current request not yet received.
  std::uint64_t body_remaining() const { return body_left_; }

 private:
  enum class State { request_line, fields, body, complete, failed };
  std::optional<RequestEvent> fail(int status, std::string where, std::string what);
  std::optional<RequestEvent> parse_request_line(const std::string& line);
  std::optional<RequestEvent> finish_head();
  std::size_t offset() const;

  RequestLimits limits_;
  detail::InputBuffer in_;
  State state_ = State::request_line;
  RequestHead head_;
  std::size_t head_bytes_ = 0;  // of the current message's head so far
  std::uint64_t body_left_ = 0;
  std::uint64_t body_total_ = 0;
  std::string line_;
};

}  // namespace confab::http
