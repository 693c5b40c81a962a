#pragma once
// SCRAM nonces (RFC 5802 §5.1 "r"): printable ASCII except ',', from the
// injected Rng so tests can reproduce the RFC's exchanges byte for byte.
#include <cstddef>
#include <string>
#include <string_view>

#include "core/rng.hpp"

namespace confab::sasl {

// printable = %x21-2B / %x2D-7E
bool is_nonce_char(char c);
bool is_nonce(std::string_view s);  // 1*printable

// `chars` characters, one random byte each: a byte that is itself printable
// stands for itself, any other byte maps into the base64 alphabet. No
// character is likelier than 4/256, so each carries at least 6 bits of
// min-entropy and the default 24 characters at least 144 bits; and a test
// Rng that yields the bytes of "fyko+d2lbbFgONRv9qkxdawL" reproduces the
// nonce of RFC 5802's example.
std::string make_nonce(Rng& rng, std::size_t chars);

}  // namespace confab::sasl
