#pragma once
// A malformed or refused HTTP message: the status a server answers it with
// (400, 411, 413, 414, 417, 431, 501, 505), where in the input it went
// wrong, and what was wrong. A parser that returned one is finished.
#include <cstddef>
#include <string>

namespace confab::http {

struct HttpError {
  int status = 400;
  std::size_t offset = 0;  // bytes from the start of this message
  std::string where;       // "request line", "header Content-Length", "body"
  std::string what;        // "method is not a token"

  // "HTTP decode error at byte 17 (request line): ..." (core/text.hpp's form)
  std::string message() const;
};

}  // namespace confab::http
