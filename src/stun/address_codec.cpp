// Address attributes (RFC 8489 §14.1, §14.2): MAPPED-ADDRESS and everything
// laid out like it, plus the XOR transform that keeps NAT ALGs from
// rewriting the address inside XOR-MAPPED-ADDRESS.
#include <array>
#include <cstdio>
#include <cstring>

#include "stun/wire.hpp"

namespace confab::stun::detail {
namespace {

std::string hex_byte(std::uint8_t b) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

}  // namespace

Result<SocketAddress, std::string> decode_address(ByteView value) {
  ByteReader r(value);
  auto reserved = r.u8();
  auto family = r.u8();
  auto port = r.u16();
  if (!reserved || !family || !port) {
    return unexpected("length " + std::to_string(value.size()) + " is too short for an address");
  }
  // The first byte is reserved: ignored on receipt (RFC 8489 §14.1).
  SocketAddress out;
  out.port = *port;
  if (*family == family_ipv4) {
    if (value.size() != 8) {
      return unexpected("an IPv4 address takes 8 bytes, not " + std::to_string(value.size()));
    }
    std::array<std::uint8_t, 4> b{};
    for (auto& x : b) x = *r.u8();
    out.ip = IpAddress::v4(b);
  } else if (*family == family_ipv6) {
    if (value.size() != 20) {
      return unexpected("an IPv6 address takes 20 bytes, not " + std::to_string(value.size()));
    }
    std::array<std::uint8_t, 16> b{};
    for (auto& x : b) x = *r.u8();
    out.ip = IpAddress::v6(b);
  } else {
    return unexpected("family " + hex_byte(*family) + " is neither IPv4 (0x01) nor IPv6 (0x02)");
  }
  return out;
}

void encode_address(ByteWriter& w, const SocketAddress& a) {
  w.u8(0);
  w.u8(a.ip.is_v4() ? family_ipv4 : family_ipv6);
  w.u16(a.port);
  w.bytes(ByteView(a.ip.data(), a.ip.size()));
}

std::size_t encode_address(std::uint8_t* out, const SocketAddress& a) {
  out[0] = 0;
  out[1] = a.ip.is_v4() ? family_ipv4 : family_ipv6;
  out[2] = static_cast<std::uint8_t>(a.port >> 8);
  out[3] = static_cast<std::uint8_t>(a.port);
  std::memcpy(out + 4, a.ip.data(), a.ip.size());
  return 4 + a.ip.size();
}

SocketAddress xor_address(const SocketAddress& a, ByteView cookie_and_id) {
  // cookie_and_id is header bytes 4..20: the cookie, then the transaction ID.
  SocketAddress out;
  out.port = static_cast<std::uint16_t>(a.port ^ ((cookie_and_id[0] << 8) | cookie_and_id[1]));
  if (a.ip.is_v4()) {
    std::array<std::uint8_t, 4> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = a.ip.data()[i] ^ cookie_and_id[i];
    out.ip = IpAddress::v4(b);
  } else {
    std::array<std::uint8_t, 16> b{};
    for (std::size_t i = 0; i < b.size(); ++i) b[i] = a.ip.data()[i] ^ cookie_and_id[i];
    out.ip = IpAddress::v6(b);
  }
  return out;
}

}  // namespace confab::stun::detail
