#include "http/input_buffer.hpp"

#include <algorithm>

namespace confab::http::detail {

void InputBuffer::append(ByteView bytes) {
  // Compact before growing: what was parsed is never looked at again.
  if (pos_ > 0 && (pos_ == data_.size() || pos_ >= 65536)) {
    data_.erase(0, pos_);
    pos_ = 0;
  }
  data_.append(as_chars(bytes));
}

void InputBuffer::consume(std::size_t n) {
  pos_ += std::min(n, size());
  scanned_ = 0;
  if (pos_ == data_.size()) {
    data_.clear();
    pos_ = 0;
  }
}

Bytes InputBuffer::take(std::size_t n) {
  n = std::min(n, size());
  const auto* p = reinterpret_cast<const std::uint8_t*>(data_.data() + pos_);
  Bytes out(p, p + n);
  consume(n);
  return out;
}

InputBuffer::LineStatus InputBuffer::next_line(std::size_t max, std::string& line) {
  const std::string_view rest = view();
  const auto lf = rest.find('\n', scanned_);
  if (lf == std::string_view::npos) {
    scanned_ = rest.size();
    // max + the CR that may still be followed by LF.
    return rest.size() > max + 1 ? LineStatus::too_long : LineStatus::need_more;
  }
  // Length first: a split that leaves the LF in the next read has already
  // said too_long above, and the answer must not depend on the split.
  if (lf > max + 1) return LineStatus::too_long;
  if (lf == 0 || rest[lf - 1] != '\r') return LineStatus::bare_lf;
  line.assign(rest.substr(0, lf - 1));
  consume(lf + 1);
  return LineStatus::line;
}

}  // namespace confab::http::detail
