#pragma once
// Internal to the parsers: the bytes fed but not yet parsed, and the one
// way to take a CRLF-terminated line out of them. Scanning resumes where
// the last search stopped, so a line dribbled a byte at a time costs linear
// time, and a line longer than the limit is refused as soon as it is.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/bytes.hpp"

namespace confab::http::detail {

class InputBuffer {
 public:
  void append(ByteView bytes);
  std::size_t size() const { return data_.size() - pos_; }
  std::string_view view() const { return std::string_view(data_).substr(pos_); }
  // Drops `n` bytes from the front (n <= size()).
  void consume(std::size_t n);
  // Moves up to `n` bytes out.
  Bytes take(std::size_t n);

  enum class LineStatus { line, need_more, too_long, bare_lf };
  // The next line (without its CRLF) into `line`, consumed with its CRLF.
  // A line is at most `max` bytes without the CRLF.
  LineStatus next_line(std::size_t max, std::string& line);

 private:
  std::string data_;
  std::size_t pos_ = 0;
  std::size_t scanned_ = 0;  // bytes after pos_ known to hold no LF
};

}  // namespace confab::http::detail
