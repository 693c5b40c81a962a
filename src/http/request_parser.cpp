#include "http/request_parser.hpp"

#include <algorithm>

#include "http/fields.hpp"

namespace confab::http {

using detail::InputBuffer;

void RequestParser::feed(ByteView bytes) {
  if (state_ == State::failed) return;
  in_.append(bytes);
}

std::size_t RequestParser::offset() const {
  return head_bytes_ + (state_ == State::body ? static_cast<std::size_t>(body_total_ - body_left_) : 0);
}

std::optional<RequestEvent> RequestParser::fail(int status, std::string where, std::string what) {
  HttpError e{status, offset(), std::move(where), std::move(what)};
  state_ = State::failed;
  return RequestEvent{std::move(e)};
}

std::optional<RequestEvent> RequestParser::poll_event() {
  for (;;) {
    switch (state_) {
      case State::failed:
        return std::nullopt;
      case State::complete:
        state_ = State::request_line;
        head_bytes_ = 0;
        return RequestEvent{MessageComplete{}};
      case State::body: {
        if (in_.size() == 0) return std::nullopt;
        const auto n = static_cast<std::size_t>(
            std::min<std::uint64_t>({body_left_, in_.size(), static_cast<std::uint64_t>(limits_.max_chunk)}));
        body_left_ -= n;
        BodyChunk chunk{in_.take(n)};
        if (body_left_ == 0) state_ = State::complete;
        return RequestEvent{std::move(chunk)};
      }
      case State::request_line:
      case State::fields: {
        const bool first = state_ == State::request_line;
        const std::size_t max = first ? limits_.max_request_line : limits_.max_field_line;
        const std::size_t before = in_.size();
        switch (in_.next_line(max, line_)) {
          case InputBuffer::LineStatus::need_more:
            if (head_bytes_ + in_.size() > limits_.max_head_size)
              return fail(431, "head", "the request head is larger than " + std::to_string(limits_.max_head_size));
            return std::nullopt;
          case InputBuffer::LineStatus::too_long:
            if (first) return fail(414, "request line", "longer than " + std::to_string(max) + " bytes");
            return fail(431, "header line " + std::to_string(head_.headers.size() + 1),
                        "longer than " + std::to_string(max) + " bytes");
          case InputBuffer::LineStatus::bare_lf:
            return fail(400, first ? "request line" : "header line " + std::to_string(head_.headers.size() + 1),
                        "a line ends in LF without CR");
          case InputBuffer::LineStatus::line:
            break;
        }
        head_bytes_ += before - in_.size();
        if (head_bytes_ > limits_.max_head_size)
          return fail(431, "head", "the request head is larger than " + std::to_string(limits_.max_head_size));
        if (first) {
          // RFC 9112 §2.2: empty lines before a request line are ignored
          // (bounded by max_head_size like the head itself).
          if (line_.empty()) continue;
          if (auto r = parse_request_line(line_)) return r;
          state_ = State::fields;
          continue;
        }
        if (line_.empty()) return finish_head();
        if (head_.headers.size() >= limits_.max_fields)
          return fail(431, "header line " + std::to_string(head_.headers.size() + 1),
                      "more than " + std::to_string(limits_.max_fields) + " header fields");
        Header h;
        if (auto bad = detail::parse_field_line(line_, h))
          return fail(400, "header line " + std::to_string(head_.headers.size() + 1), *bad);
        head_.headers.push_back(std::move(h));
        continue;
      }
    }
  }
}

std::optional<RequestEvent> RequestParser::parse_request_line(const std::string& line) {
  head_ = RequestHead{};
  // method SP request-target SP HTTP-version (§3): exactly one space each.
  const auto sp1 = line.find(' ');
  const auto sp2 = sp1 == std::string::npos ? std::string::npos : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos)
    return fail(400, "request line", "expected METHOD SP TARGET SP VERSION");
  std::string_view method(line.data(), sp1);
  std::string_view target(line.data() + sp1 + 1, sp2 - sp1 - 1);
  std::string_view version(line.data() + sp2 + 1, line.size() - sp2 - 1);
  if (!detail::is_token(method)) return fail(400, "request line", "the method is not a token");
  if (target.empty()) return fail(400, "request line", "empty request target");
  for (char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f) return fail(400, "request line", "a character not allowed in a request target");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9')
    return fail(400, "request line", "the version is not HTTP/x.y");
  if (version[5] != '1') return fail(505, "request line", "only HTTP/1.x is spoken here");
  head_.method.assign(method);
  head_.target.assign(target);
  head_.minor_version = version[7] == '0' ? 0 : 1;  // 1.2+ is answered as 1.1 (§2.5)
  return std::nullopt;
}

std::optional<RequestEvent> RequestParser::finish_head() {
  RequestHead& h = head_;
  std::size_t hosts = 0;
  std::optional<std::uint64_t> length;
  bool transfer_encoding = false, chunked = false;
  for (const Header& f : h.headers) {
    if (iequals(f.name, "Host")) {
      ++hosts;
    } else if (iequals(f.name, "Content-Length")) {
      // A list of equal values is one value (§6.3 item 5); anything else is fatal.
      for (auto v : detail::list_elements(f.value)) {
        auto n = detail::parse_decimal(v);
        if (!n) return fail(400, "header Content-Length", "not a decimal length");
        if (length && *length != *n) return fail(400, "header Content-Length", "two different lengths");
        length = n;
      }
      if (!length) return fail(400, "header Content-Length", "empty");
    } else if (iequals(f.name, "Transfer-Encoding")) {
      transfer_encoding = true;
      auto codings = detail::list_elements(f.value);
      chunked = !codings.empty() && iequals(codings.back(), "chunked");
    } else if (iequals(f.name, "Connection")) {
      if (detail::list_contains(f.value, "close")) h.keep_alive = false;
    } else if (iequals(f.name, "Expect")) {
      if (h.minor_version == 0) continue;  // RFC 9110 §10.1.1: ignored from HTTP/1.0
      if (!iequals(f.value, "100-continue")) return fail(417, "header Expect", "only 100-continue is known");
      h.expect_continue = true;
    }
  }
  if (h.minor_version == 1 && hosts != 1)
    return fail(400, "header Host", hosts == 0 ? "an HTTP/1.1 request needs Host" : "more than one Host");
  if (h.minor_version == 0) {
    h.keep_alive = false;
    if (auto c = h.header("Connection"); c && detail::list_contains(*c, "keep-alive")) h.keep_alive = true;
    for (const Header& f : h.headers)
      if (iequals(f.name, "Connection") && detail::list_contains(f.value, "close")) h.keep_alive = false;
  }
  if (transfer_encoding) {
    if (chunked) return fail(411, "header Transfer-Encoding", "chunked request bodies are not accepted: send Content-Length");
    return fail(501, "header Transfer-Encoding", "transfer codings are not implemented");
  }
  h.content_length = length.value_or(0);
  if (h.content_length > limits_.max_body)
    return fail(413, "header Content-Length", "larger than " + std::to_string(limits_.max_body) + " bytes");
  body_left_ = body_total_ = h.content_length;
  state_ = body_left_ > 0 ? State::body : State::complete;
  return RequestEvent{std::move(head_)};
}

std::optional<HttpError> RequestParser::finish() {
  switch (state_) {
    case State::failed:
    case State::complete:
      return std::nullopt;
    case State::request_line:
      // Nothing, or only the empty lines some clients send after a body.
      if (in_.view().find_first_not_of("\r\n") == std::string_view::npos) return std::nullopt;
      [[fallthrough]];
    case State::fields: {
      auto e = fail(400, "head", "the connection ended inside a request head");
      return std::get<HttpError>(*e);
    }
    case State::body: {
      const auto got = body_total_ - body_left_;
      auto e = fail(400, "body",
                    "the connection ended after " + std::to_string(got) + " of " + std::to_string(body_total_) +
                        " body bytes");
      return std::get<HttpError>(*e);
    }
  }
  return std::nullopt;
}

}  // namespace confab::http
