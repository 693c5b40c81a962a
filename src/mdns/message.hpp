#pragma once
// A whole DNS message (RFC 1035 §4.1) as mDNS sends it over UDP 5353:
// header, questions, answers, authority (probes' proposed records, RFC 6762
// §8.2) and additional records. parse() is strict and names where it
// failed; serialize() compresses names.
#include <cstdint>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "mdns/decode_error.hpp"
#include "mdns/record.hpp"

namespace confab::mdns {

namespace flag {
inline constexpr std::uint16_t response = 0x8000;       // QR
inline constexpr std::uint16_t opcode_mask = 0x7800;
inline constexpr std::uint16_t authoritative = 0x0400;  // AA: every mDNS response sets it (§18.4)
inline constexpr std::uint16_t truncated = 0x0200;      // TC: more known answers follow (§7.2)
inline constexpr std::uint16_t rcode_mask = 0x000F;
}  // namespace flag

struct Message {
  std::uint16_t id = 0;     // 0 in multicast mDNS; echoed to legacy unicast queriers (§6.7)
  std::uint16_t flags = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authorities;
  std::vector<Record> additionals;

  bool is_response() const { return (flags & flag::response) != 0; }
  std::uint16_t opcode() const { return static_cast<std::uint16_t>((flags & flag::opcode_mask) >> 11); }
  std::uint16_t rcode() const { return flags & flag::rcode_mask; }
  bool operator==(const Message&) const = default;
};

Result<Message, DecodeError> parse(ByteView bytes);
// Names compressed wherever RFC 6762 §18.14 allows (record names, PTR,
// SRV and NSEC names); opaque RDATA as is.
Bytes serialize(const Message& m);

// A read-only view: does this look like a record parse() produced or one a
// peer could hold (valid names, TXT strings <= 255 bytes)? serialize()
// needs it; the machines only build such records.
bool is_encodable(const Message& m);

}  // namespace confab::mdns
