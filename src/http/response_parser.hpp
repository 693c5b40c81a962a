#pragma once
// An HTTP/1.1 response parser for the client side (`confab send-file`):
// bytes in, events out, like RequestParser. Interim 1xx heads (100
// Continue) are events of their own, followed by the final head. Bodies
// are framed by Content-Length, or run until the connection closes;
// a chunked body is not decoded: the head says `chunked` and the parser
// stops there (the caller closes the connection).
#include <cstddef>
#include <optional>
#include <variant>

#include "core/bytes.hpp"
#include "http/error.hpp"
#include "http/input_buffer.hpp"
#include "http/message.hpp"
#include "http/request_parser.hpp"  // BodyChunk, MessageComplete

namespace confab::http {

struct ResponseLimits {
  std::size_t max_status_line = 4096;
  std::size_t max_field_line = 8192;
  std::size_t max_fields = 100;
  std::size_t max_head_size = 65536;
  std::size_t max_chunk = 65536;
};

using ResponseEvent = std::variant<ResponseHead, BodyChunk, MessageComplete, HttpError>;

class ResponseParser {
 public:
  explicit ResponseParser(ResponseLimits limits = {}) : limits_(limits) {}
  // The request was HEAD: the final response has no body whatever it says.
  void expect_no_body() { no_body_ = true; }
  void feed(ByteView bytes);
  std::optional<ResponseEvent> poll_event();
  // EOF: completes a body that runs until close; an error inside a head or
  // a Content-Length body.
  std::optional<ResponseEvent> finish();

 private:
  enum class State { status_line, fields, body, until_close, complete, done, failed };
  std::optional<ResponseEvent> fail(std::string where, std::string what);
  std::optional<ResponseEvent> finish_head();

  ResponseLimits limits_;
  detail::InputBuffer in_;
  State state_ = State::status_line;
  ResponseHead head_;
  std::size_t head_bytes_ = 0;
  std::uint64_t body_left_ = 0;
  bool no_body_ = false;
  std::string line_;
};

}  // namespace confab::http
