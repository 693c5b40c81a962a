#include "core/rng.hpp"

#include <openssl/rand.h>

#include <stdexcept>

namespace confab {

void SystemRng::fill(std::span<std::uint8_t> out) {
  if (out.empty()) return;
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1)
    throw std::runtime_error("RAND_bytes failed: the system has no entropy source");
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
