#pragma once
// Randomness is injected: transaction IDs, nonces and tie-breakers come from
// an Rng passed in, so tests can be deterministic.
#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace confab {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual void fill(std::span<std::uint8_t> out) = 0;
  std::uint32_t next_u32() {
    std::uint8_t b[4];
    fill(b);
    return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
  }
  std::uint64_t next_u64() { return (std::uint64_t{next_u32()} << 32) | next_u32(); }
  // `bytes` random bytes as lowercase hex: tags, branches, cnonces, tokens.
  std::string random_hex(std::size_t bytes);
};

// Cryptographically secure (OpenSSL's DRBG). For production. Small
// requests (branches, tags: a few bytes each, thousands a second) are served
// from a buffer refilled 256 bytes at a time, which spares a DRBG call and
// its locking per request. Not thread-safe: one per thread.
class SystemRng final : public Rng {
 public:
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::array<std::uint8_t, 256> buffer_{};
  std::size_t used_ = 256;  // bytes of buffer_ already handed out
};

// Deterministic (splitmix64). For tests and simulations only.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(std::uint64_t seed) : state_(seed) {}
  void fill(std::span<std::uint8_t> out) override;

 private:
  std::uint64_t state_;
};

}  // namespace confab
