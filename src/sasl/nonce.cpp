#include "sasl/nonce.hpp"

#include <algorithm>
#include <vector>

namespace confab::sasl {

bool is_nonce_char(char c) { return c >= 0x21 && c <= 0x7E && c != ','; }

bool is_nonce(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_nonce_char); }

std::string make_nonce(Rng& rng, std::size_t chars) {
  static constexpr char base64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::vector<std::uint8_t> bytes(chars);
  rng.fill(bytes);
  std::string out(chars, '\0');
  for (std::size_t i = 0; i < chars; ++i) {
    const auto c = static_cast<char>(bytes[i]);
    out[i] = is_nonce_char(c) ? c : base64[bytes[i] & 63];
  }
  return out;
}

}  // namespace confab::sasl
