// Strict validation of known attribute values, driven by the registry row of
// each type (length bounds) plus a check per value kind. Unknown attributes
// are not validated: they are opaque by definition.
#include <algorithm>
#include <cstdio>

#include "stun/wire.hpp"

namespace confab::stun::detail {
namespace {

std::string hex_byte(unsigned b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b & 0xFFu);
  return buf;
}

std::optional<std::string> check_length(const attr::Info& row, std::size_t len) {
  if (row.min_length == row.max_length && len != row.min_length) {
    return "length " + std::to_string(len) + " should be " + std::to_string(row.min_length);
  }
  if (len < row.min_length) {
    return "length " + std::to_string(len) + " is below the minimum of " + std::to_string(row.min_length);
  }
  if (len > row.max_length) {
    return "length " + std::to_string(len) + " is above the maximum of " + std::to_string(row.max_length);
  }
  if (row.length_multiple > 1 && len % row.length_multiple != 0) {
    return "length " + std::to_string(len) + " is not a multiple of " + std::to_string(row.length_multiple);
  }
  return std::nullopt;
}

// ERROR-CODE (RFC 8489 §14.8): 21 reserved bits, class 3..6, number 0..99.
std::optional<std::string> check_code(std::uint8_t class_byte, std::uint8_t number) {
  unsigned cls = class_byte & 0x07u;
  if (cls < 3 || cls > 6) return "error class " + std::to_string(cls) + " is outside 3..6";
  if (number > 99) return "error number " + std::to_string(number) + " is above 99";
  return std::nullopt;
}

std::optional<std::string> check_family(std::uint8_t family) {
  if (family == family_ipv4 || family == family_ipv6) return std::nullopt;
  return "family " + hex_byte(family) + " is neither IPv4 (0x01) nor IPv6 (0x02)";
}

// PASSWORD-ALGORITHM entries (§14.11, §14.12): algorithm (2), parameters
// length (2), parameters padded to 4. Returns bytes consumed or an error.
Result<std::size_t, std::string> check_algorithm(ByteView v) {
  ByteReader r(v);
  auto alg = r.u16();
  auto plen = r.u16();
  if (!alg || !plen) return unexpected(std::string("algorithm entry shorter than 4 bytes"));
  std::size_t padded = (std::size_t{*plen} + 3) & ~std::size_t{3};
  if (r.remaining() < *plen) {
    return unexpected("algorithm parameters of " + std::to_string(*plen) + " bytes run past the value");
  }
  return 4 + std::min(padded, r.remaining());
}

}  // namespace

std::optional<std::string> validate_value(std::uint16_t type, ByteView value) {
  const attr::Info* row = attr::info(type);
  if (row == nullptr) return std::nullopt;
  if (auto e = check_length(*row, value.size())) return e;
  switch (row->kind) {
    case attr::ValueKind::address:
    case attr::ValueKind::xor_address: {
      auto a = decode_address(value);
      if (!a) return a.error();
      return std::nullopt;
    }
    case attr::ValueKind::error:
      return check_code(value[2], value[3]);
    case attr::ValueKind::address_error:
      // RFC 8656 §18.12: family, 5 reserved bits + class, number, reason.
      if (auto e = check_family(value[0])) return e;
      return check_code(value[2], value[3]);
    case attr::ValueKind::family:
      return check_family(value[0]);
    case attr::ValueKind::algorithm: {
      auto used = check_algorithm(value);
      if (!used) return used.error();
      if (*used != value.size()) return std::string("bytes left over after the algorithm parameters");
      return std::nullopt;
    }
    case attr::ValueKind::algorithm_list: {
      for (std::size_t at = 0; at < value.size();) {
        auto used = check_algorithm(value.subspan(at));
        if (!used) return used.error();
        at += *used;
      }
      return std::nullopt;
    }
    case attr::ValueKind::opaque:
    case attr::ValueKind::string:
    case attr::ValueKind::u32:
    case attr::ValueKind::u64:
    case attr::ValueKind::flag:
    case attr::ValueKind::type_list:
      return std::nullopt;  // the length bounds are the whole check
  }
  return std::nullopt;
}

}  // namespace confab::stun::detail
