#include "ice/credentials.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

#include "stun/credentials.hpp"

namespace confab::ice {
namespace {

constexpr std::string_view alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string random_ice_chars(Rng& rng, std::size_t n) {
  std::string out;
  out.reserve(n);
  std::array<std::uint8_t, 32> b{};
  while (out.size() < n) {
    rng.fill(b);
    for (std::uint8_t v : b) {
      if (out.size() == n) break;
      out.push_back(alphabet[v & 0x3Fu]);  // 64 symbols: 6 uniform bits each
    }
  }
  return out;
}

bool all_ice_chars(std::string_view s) { return std::ranges::all_of(s, is_ice_char); }

}  // namespace

bool is_ice_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
}

bool valid_ufrag(std::string_view ufrag) { return ufrag.size() >= 4 && ufrag.size() <= 256 && all_ice_chars(ufrag); }
bool valid_pwd(std::string_view pwd) { return pwd.size() >= 22 && pwd.size() <= 256 && all_ice_chars(pwd); }

IceCredentials generate_credentials(Rng& rng) { return {random_ice_chars(rng, 8), random_ice_chars(rng, 24)}; }

}  // namespace confab::ice

namespace confab::ice {

Bytes password_key(std::string_view pwd) {
  auto k = stun::short_term_key(pwd);
  if (k) return std::move(k).value();
  ByteView raw = as_bytes(pwd);
  return Bytes(raw.begin(), raw.end());
}

}  // namespace confab::ice
