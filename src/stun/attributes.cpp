// The STUN attribute registry as one table: names, value kinds and length
// limits live here and nowhere else; parse(), name() and is_known() read it.
#include "stun/attributes.hpp"

#include <algorithm>
#include <array>

#include "stun/hex_name.hpp"

namespace confab::stun::attr {
namespace {

constexpr std::uint16_t any = 0xFFFF;
// Strings: RFC 8489 §14.3 (USERNAME < 513 bytes as RFC 5389 accepted;
// senders are held to < 509), §14.9/§14.10/§14.14 (REALM, NONCE, SOFTWARE
// up to 763 bytes when decoding), §14.16 (ALTERNATE-DOMAIN is a DNS name).
constexpr std::uint16_t username_max = 512;
constexpr std::uint16_t text_max = 763;
// ERROR-CODE: 4 bytes of class and number, then a reason of up to 763 bytes.
constexpr std::uint16_t error_code_max = 4 + text_max;

using K = ValueKind;

// Sorted by type so lookups can binary-search; a static_assert keeps it so.
constexpr std::array registry = {
    Info{mapped_address, "MAPPED-ADDRESS", K::address, 8, 20, 4},
    Info{response_address, "RESPONSE-ADDRESS", K::address, 8, 20, 4},
    Info{change_request, "CHANGE-REQUEST", K::u32, 4, 4, 1},
    Info{source_address, "SOURCE-ADDRESS", K::address, 8, 20, 4},
    Info{changed_address, "CHANGED-ADDRESS", K::address, 8, 20, 4},
    Info{username, "USERNAME", K::string, 0, username_max, 1},
    Info{password, "PASSWORD", K::opaque, 0, any, 1},
    Info{message_integrity, "MESSAGE-INTEGRITY", K::opaque, 20, 20, 1},
    Info{error_code, "ERROR-CODE", K::error, 4, error_code_max, 1},
    Info{unknown_attributes, "UNKNOWN-ATTRIBUTES", K::type_list, 0, any, 2},
    Info{reflected_from, "REFLECTED-FROM", K::address, 8, 20, 4},
    Info{channel_number, "CHANNEL-NUMBER", K::u32, 4, 4, 1},
    Info{lifetime, "LIFETIME", K::u32, 4, 4, 1},
    Info{xor_peer_address, "XOR-PEER-ADDRESS", K::xor_address, 8, 20, 4},
    Info{data, "DATA", K::opaque, 0, any, 1},
    Info{realm, "REALM", K::string, 0, text_max, 1},
    Info{nonce, "NONCE", K::string, 0, text_max, 1},
    Info{xor_relayed_address, "XOR-RELAYED-ADDRESS", K::xor_address, 8, 20, 4},
    Info{requested_address_family, "REQUESTED-ADDRESS-FAMILY", K::family, 4, 4, 1},
    Info{even_port, "EVEN-PORT", K::opaque, 1, 1, 1},
    Info{requested_transport, "REQUESTED-TRANSPORT", K::u32, 4, 4, 1},
    Info{dont_fragment, "DONT-FRAGMENT", K::flag, 0, 0, 1},
    // §14.6: at least 16 bytes, at most 32, a multiple of 4.
    Info{message_integrity_sha256, "MESSAGE-INTEGRITY-SHA256", K::opaque, 16, 32, 4},
    Info{password_algorithm, "PASSWORD-ALGORITHM", K::algorithm, 4, any, 1},
    Info{userhash, "USERHASH", K::opaque, 32, 32, 1},
    Info{xor_mapped_address, "XOR-MAPPED-ADDRESS", K::xor_address, 8, 20, 4},
    Info{reservation_token, "RESERVATION-TOKEN", K::u64, 8, 8, 1},
    Info{priority, "PRIORITY", K::u32, 4, 4, 1},
    Info{use_candidate, "USE-CANDIDATE", K::flag, 0, 0, 1},
    Info{padding, "PADDING", K::opaque, 0, any, 1},
    Info{response_port, "RESPONSE-PORT", K::u32, 4, 4, 1},
    Info{additional_address_family, "ADDITIONAL-ADDRESS-FAMILY", K::family, 4, 4, 1},
    Info{address_error_code, "ADDRESS-ERROR-CODE", K::address_error, 4, error_code_max, 1},
    Info{password_algorithms, "PASSWORD-ALGORITHMS", K::algorithm_list, 4, any, 1},
    Info{alternate_domain, "ALTERNATE-DOMAIN", K::string, 0, 255, 1},
    // RFC 8656 §18.13: reserved (2), type (1), code (1), error data (4).
    Info{icmp, "ICMP", K::opaque, 8, 8, 1},
    Info{software, "SOFTWARE", K::string, 0, text_max, 1},
    Info{alternate_server, "ALTERNATE-SERVER", K::address, 8, 20, 4},
    Info{cache_timeout, "CACHE-TIMEOUT", K::u32, 4, 4, 1},
    Info{fingerprint, "FINGERPRINT", K::u32, 4, 4, 1},
    Info{ice_controlled, "ICE-CONTROLLED", K::u64, 8, 8, 1},
    Info{ice_controlling, "ICE-CONTROLLING", K::u64, 8, 8, 1},
    Info{response_origin, "RESPONSE-ORIGIN", K::address, 8, 20, 4},
    Info{other_address, "OTHER-ADDRESS", K::address, 8, 20, 4},
};
static_assert(std::is_sorted(registry.begin(), registry.end(),
                             [](const Info& a, const Info& b) { return a.type < b.type; }),
              "keep the registry sorted by type");

constexpr std::size_t hex_stride = 6;  // "0x7f01", no NUL: handed out as views

}  // namespace

const Info* info(std::uint16_t type) {
  auto it = std::lower_bound(registry.begin(), registry.end(), type,
                             [](const Info& row, std::uint16_t t) { return row.type < t; });
  return it != registry.end() && it->type == type ? &*it : nullptr;
}

std::string_view name(std::uint16_t type) {
  if (const Info* row = info(type)) return row->name;
  // Built once on first use (too big for clang's constant evaluator) and
  // never written again, so views into it stay valid and thread-safe.
  static const auto hex_names = detail::make_hex_names<0x10000, 4, hex_stride>();
  return {hex_names.data() + std::size_t{type} * hex_stride, hex_stride};
}

bool is_known(std::uint16_t type) { return info(type) != nullptr; }

}  // namespace confab::stun::attr
