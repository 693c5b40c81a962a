#pragma once
// Byte ranges (RFC 9110 §14): the one range of a "Range: bytes=..." a
// server serves (a download resumed, a video seeked). Several ranges are
// not served (the whole representation is, which §14.2 allows).
#include <cstdint>
#include <string_view>
#include <variant>

namespace confab::http {

struct ByteRange {
  std::uint64_t first = 0;
  std::uint64_t last = 0;  // inclusive
  std::uint64_t length() const { return last - first + 1; }
};
struct WholeRepresentation {};  // no Range, a malformed one, another unit or several ranges: 200
struct Unsatisfiable {};        // 416, with "Content-Range: bytes */size"

// `value` is the Range field's value; `size` the representation's.
std::variant<ByteRange, WholeRepresentation, Unsatisfiable> parse_range(std::string_view value, std::uint64_t size);

}  // namespace confab::http
