#pragma once
// Names like "0x7f01" for codes without a registered name. They are built at
// compile time into one array, so name()/method_name() can hand out views and
// pointers that stay valid forever without any mutable global state.
#include <array>
#include <cstddef>
#include <cstdint>

namespace confab::stun::detail {

// `count` entries of `stride` bytes: "0x" + `digits` hex digits (+ NULs).
template <std::size_t count, std::size_t digits, std::size_t stride>
constexpr std::array<char, count * stride> make_hex_names() {
  static_assert(stride >= digits + 2);
  constexpr char hex[] = "0123456789abcdef";
  std::array<char, count * stride> out{};
  for (std::size_t i = 0; i < count; ++i) {
    char* entry = out.data() + i * stride;
    entry[0] = '0';
    entry[1] = 'x';
    for (std::size_t d = 0; d < digits; ++d) {
      entry[2 + d] = hex[(i >> (4 * (digits - 1 - d))) & 0xF];
    }
  }
  return out;
}

}  // namespace confab::stun::detail
