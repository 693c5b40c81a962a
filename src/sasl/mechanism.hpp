#pragma once
// The SASL mechanisms confab offers, as data: names (RFC 5802 §4, RFC 7677,
// RFC 4616), best first, and what each needs from the connection.
#include <cstdint>
#include <optional>
#include <string_view>

#include "sasl/scram_keys.hpp"

namespace confab::sasl {

// In order of preference: the order a server advertises them in.
enum class Mechanism : std::uint8_t {
  scram_sha256_plus,
  scram_sha1_plus,
  scram_sha256,
  scram_sha1,
  plain,
};
inline constexpr Mechanism all_mechanisms[] = {Mechanism::scram_sha256_plus, Mechanism::scram_sha1_plus,
                                                Mechanism::scram_sha256, Mechanism::scram_sha1, Mechanism::plain};

std::string_view name_of(Mechanism m);  // "SCRAM-SHA-256-PLUS", ..., "PLAIN"
// SASL mechanism names are upper case (RFC 4422 §3.1); matched exactly.
std::optional<Mechanism> parse_mechanism(std::string_view name);

bool is_scram(Mechanism m);
bool is_plus(Mechanism m);  // needs channel-binding data from TLS
// The hash of a SCRAM mechanism (sha256 for PLAIN: not meaningful).
ScramMechanism scram_hash_of(Mechanism m);

}  // namespace confab::sasl
