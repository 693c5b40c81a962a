#pragma once
// The STUN attribute registry (IANA "STUN Attributes"), as data.
#include <cstdint>
#include <string_view>

namespace confab::stun::attr {

// RFC 8489
inline constexpr std::uint16_t mapped_address = 0x0001;
inline constexpr std::uint16_t username = 0x0006;
inline constexpr std::uint16_t message_integrity = 0x0008;
inline constexpr std::uint16_t error_code = 0x0009;
inline constexpr std::uint16_t unknown_attributes = 0x000A;
inline constexpr std::uint16_t realm = 0x0014;
inline constexpr std::uint16_t nonce = 0x0015;
inline constexpr std::uint16_t message_integrity_sha256 = 0x001C;
inline constexpr std::uint16_t password_algorithm = 0x001D;
inline constexpr std::uint16_t userhash = 0x001E;
inline constexpr std::uint16_t xor_mapped_address = 0x0020;
inline constexpr std::uint16_t password_algorithms = 0x8002;
inline constexpr std::uint16_t alternate_domain = 0x8003;
inline constexpr std::uint16_t software = 0x8022;
inline constexpr std::uint16_t alternate_server = 0x8023;
inline constexpr std::uint16_t fingerprint = 0x8028;
// RFC 3489 (classic), kept for compatibility
inline constexpr std::uint16_t response_address = 0x0002;
inline constexpr std::uint16_t source_address = 0x0004;
inline constexpr std::uint16_t changed_address = 0x0005;
inline constexpr std::uint16_t password = 0x0007;
inline constexpr std::uint16_t reflected_from = 0x000B;
// RFC 5780 (CHANGE-REQUEST reuses RFC 3489's code)
inline constexpr std::uint16_t change_request = 0x0003;
inline constexpr std::uint16_t padding = 0x0026;
inline constexpr std::uint16_t response_port = 0x0027;
inline constexpr std::uint16_t cache_timeout = 0x8027;
inline constexpr std::uint16_t response_origin = 0x802B;
inline constexpr std::uint16_t other_address = 0x802C;
// RFC 8445 (ICE)
inline constexpr std::uint16_t priority = 0x0024;
inline constexpr std::uint16_t use_candidate = 0x0025;
inline constexpr std::uint16_t ice_controlled = 0x8029;
inline constexpr std::uint16_t ice_controlling = 0x802A;
// RFC 8656 (TURN)
inline constexpr std::uint16_t channel_number = 0x000C;
inline constexpr std::uint16_t lifetime = 0x000D;
inline constexpr std::uint16_t xor_peer_address = 0x0012;
inline constexpr std::uint16_t data = 0x0013;
inline constexpr std::uint16_t xor_relayed_address = 0x0016;
inline constexpr std::uint16_t requested_address_family = 0x0017;
inline constexpr std::uint16_t even_port = 0x0018;
inline constexpr std::uint16_t requested_transport = 0x0019;
inline constexpr std::uint16_t dont_fragment = 0x001A;
inline constexpr std::uint16_t reservation_token = 0x0022;
inline constexpr std::uint16_t additional_address_family = 0x8000;
inline constexpr std::uint16_t address_error_code = 0x8001;
inline constexpr std::uint16_t icmp = 0x8004;

inline constexpr bool is_comprehension_required(std::uint16_t type) { return type < 0x8000; }

// How an attribute's value is laid out; parse() validates each known
// attribute by its kind and the length bounds of its registry row.
enum class ValueKind : std::uint8_t {
  opaque,              // any bytes (DATA, PADDING, MESSAGE-INTEGRITY, ...)
  string,              // UTF-8 text (USERNAME, REALM, NONCE, SOFTWARE, ...)
  address,             // MAPPED-ADDRESS layout: reserved, family, port, address
  xor_address,         // the same, XORed with cookie and transaction ID
  u32,                 // one 32-bit number (PRIORITY, LIFETIME, FINGERPRINT, ...)
  u64,                 // one 64-bit number (ICE-CONTROLLING, RESERVATION-TOKEN)
  flag,                // no value (USE-CANDIDATE, DONT-FRAGMENT)
  error,               // ERROR-CODE: class, number, reason phrase
  address_error,       // ADDRESS-ERROR-CODE: family, class, number, reason (TURN)
  family,              // one address family byte, three reserved (TURN)
  type_list,           // UNKNOWN-ATTRIBUTES: a list of 16-bit types
  algorithm,           // PASSWORD-ALGORITHM: algorithm, parameter length, parameters
  algorithm_list,      // PASSWORD-ALGORITHMS: a list of those
};

// One row of the registry: the single source of names, kinds and length
// limits (RFC 8489 §14, RFC 5780 §7, RFC 8445 §16.1, RFC 8656 §18).
struct Info {
  std::uint16_t type;
  std::string_view name;
  ValueKind kind;
  std::uint16_t min_length;  // of the value, without padding
  std::uint16_t max_length;
  std::uint8_t length_multiple;  // the value length must be a multiple of this
};

// The registry row for `type`, or nullptr if this codec does not know it.
const Info* info(std::uint16_t type);

// "XOR-MAPPED-ADDRESS", or "0x7f01" for types this codec does not know.
std::string_view name(std::uint16_t type);
// True for every type listed above.
bool is_known(std::uint16_t type);

}  // namespace confab::stun::attr
