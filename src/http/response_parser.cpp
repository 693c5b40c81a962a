#include "http/response_parser.hpp"

#include <algorithm>

#include "http/fields.hpp"

namespace confab::http {

using detail::InputBuffer;

void ResponseParser::feed(ByteView bytes) {
  if (state_ != State::failed && state_ != State::done) in_.append(bytes);
}

std::optional<ResponseEvent> ResponseParser::fail(std::string where, std::string what) {
  state_ = State::failed;
  return ResponseEvent{HttpError{502, head_bytes_, std::move(where), std::move(what)}};
}

std::optional<ResponseEvent> ResponseParser::poll_event() {
  for (;;) {
    switch (state_) {
      case State::failed:
      case State::done:
        return std::nullopt;
      case State::complete:
        state_ = State::done;
        return ResponseEvent{MessageComplete{}};
      case State::body:
      case State::until_close: {
        if (in_.size() == 0) return std::nullopt;
        std::uint64_t n = std::min<std::uint64_t>(in_.size(), limits_.max_chunk);
        if (state_ == State::body) n = std::min(n, body_left_);
        BodyChunk chunk{in_.take(static_cast<std::size_t>(n))};
        if (state_ == State::body && (body_left_ -= n) == 0) state_ = State::complete;
        return ResponseEvent{std::move(chunk)};
      }
      case State::status_line:
      case State::fields: {
        const bool first = state_ == State::status_line;
        const std::size_t before = in_.size();
        switch (in_.next_line(first ? limits_.max_status_line : limits_.max_field_line, line_)) {
          case InputBuffer::LineStatus::need_more:
            return std::nullopt;
          case InputBuffer::LineStatus::too_long:
            return fail(first ? "status line" : "header line", "too long");
          case InputBuffer::LineStatus::bare_lf:
            return fail(first ? "status line" : "header line", "a line ends in LF without CR");
          case InputBuffer::LineStatus::line:
            break;
        }
        head_bytes_ += before - in_.size();
        if (head_bytes_ > limits_.max_head_size) return fail("head", "too large");
        if (first) {
          // HTTP-version SP 3DIGIT SP [reason-phrase] (RFC 9112 §4)
          head_ = ResponseHead{};
          if (line_.size() < 12 || line_.compare(0, 7, "HTTP/1.") != 0 || line_[8] != ' ')
            return fail("status line", "expected HTTP/1.x NNN reason");
          auto code = detail::parse_decimal(std::string_view(line_).substr(9, 3));
          if (!code || *code < 100 || *code > 599 || (line_.size() > 12 && line_[12] != ' '))
            return fail("status line", "the status is not three digits");
          head_.status = static_cast<int>(*code);
          head_.minor_version = line_[7] == '0' ? 0 : 1;
          head_.reason = line_.size() > 13 ? line_.substr(13) : std::string();
          state_ = State::fields;
          continue;
        }
        if (line_.empty()) return finish_head();
        if (head_.headers.size() >= limits_.max_fields) return fail("head", "too many header fields");
        Header h;
        if (auto bad = detail::parse_field_line(line_, h)) return fail("header line", *bad);
        head_.headers.push_back(std::move(h));
        continue;
      }
    }
  }
}

std::optional<ResponseEvent> ResponseParser::finish_head() {
  ResponseHead& h = head_;
  h.keep_alive = h.minor_version == 1;
  for (const Header& f : h.headers) {
    if (iequals(f.name, "Content-Length")) {
      auto n = detail::parse_decimal(f.value);
      if (!n || (h.content_length && *h.content_length != *n)) return fail("header Content-Length", "bad length");
      h.content_length = n;
    } else if (iequals(f.name, "Transfer-Encoding")) {
      h.chunked = detail::list_contains(f.value, "chunked");
    } else if (iequals(f.name, "Connection")) {
      if (detail::list_contains(f.value, "close")) h.keep_alive = false;
      if (detail::list_contains(f.value, "keep-alive")) h.keep_alive = true;
    }
  }
  head_bytes_ = 0;
  if (h.status < 200) {  // interim: the final head follows
    state_ = State::status_line;
    return ResponseEvent{std::move(head_)};
  }
  if (no_body_ || h.status == 204 || h.status == 304) {
    state_ = State::complete;
  } else if (h.chunked) {
    state_ = State::done;
    h.keep_alive = false;
  } else if (h.content_length) {
    body_left_ = *h.content_length;
    state_ = body_left_ > 0 ? State::body : State::complete;
  } else {
    state_ = State::until_close;
    h.keep_alive = false;
  }
  return ResponseEvent{std::move(head_)};
}

std::optional<ResponseEvent> ResponseParser::finish() {
  switch (state_) {
    case State::until_close:
      if (auto e = poll_event()) return e;
      state_ = State::done;
      return ResponseEvent{MessageComplete{}};
    case State::body:
      if (in_.size() > 0) return poll_event();
      return fail("body", "the connection ended before the body did");
    case State::status_line:
    case State::fields:
      return fail("head", "the connection ended inside a response head");
    default:
      return poll_event();
  }
}

}  // namespace confab::http
