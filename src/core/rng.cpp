#include "core/rng.hpp"

#include <algorithm>

#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

#include "core/text.hpp"

namespace confab {

std::string Rng::random_hex(std::size_t bytes) {
  std::vector<std::uint8_t> b(bytes);
  fill(b);
  return to_hex(b);
}

void SystemRng::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  auto draw = [](std::span<std::uint8_t> into) {
    if (RAND_bytes(into.data(), static_cast<int>(into.size())) != 1)
      throw std::runtime_error("RAND_bytes failed: the system has no entropy source");
  };
  if (out.size() > buffer_.size() / 4) return draw(out);  // keys, secrets: straight from the DRBG
  if (buffer_.size() - used_ < out.size()) {
    draw(buffer_);
    used_ = 0;
  }
  std::copy_n(buffer_.begin() + static_cast<std::ptrdiff_t>(used_), out.size(), out.begin());
  std::fill_n(buffer_.begin() + static_cast<std::ptrdiff_t>(used_), out.size(), std::uint8_t{0});  // handed out once
  used_ += out.size();
}

void SeededRng::fill(std::span<std::uint8_t> out) {
  for (auto& b : out) {
    state_ += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    b = static_cast<std::uint8_t>(z ^ (z >> 31));
  }
}

}  // namespace confab
