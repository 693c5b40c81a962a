#pragma once
// Writing HTTP/1.1 responses (RFC 9112 §4, §6): the status line, the
// fields, the framing (always a Content-Length: the upload server knows
// every length before it starts), and Connection: close when the server
// will close after this one.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace confab::http {

struct Response {
  int status = 200;
  std::vector<Header> headers;       // besides Content-Length and Connection
  std::uint64_t content_length = 0;  // of the body that follows the head (the GET's, for HEAD too)
  bool close = false;                // adds "Connection: close"
};

// "OK", "Not Found"...; "" for a status this table does not know.
std::string_view reason_phrase(int status);

// The head, up to and including the empty line. Controls in field names
// or values (which only code puts there) become spaces: a response is
// never split by what a request carried.
std::string serialize_head(const Response& response);

// A whole small response with a text/plain body, e.g. an error's reason.
std::string text_response(int status, std::string_view text, bool close, std::vector<Header> extra = {});

// "HTTP/1.1 100 Continue\r\n\r\n"
std::string_view continue_response();

}  // namespace confab::http
