#pragma once
// Private to src/net (.cpp files only): asio endpoints <-> confab addresses.
#include <asio/ip/tcp.hpp>
#include <asio/ip/udp.hpp>

#include "core/address.hpp"

namespace confab::net {

inline asio::ip::address to_asio_address(const IpAddress& ip) {
  if (ip.is_v4()) {
    asio::ip::address_v4::bytes_type b;
    std::copy_n(ip.data(), 4, b.begin());
    return asio::ip::address_v4(b);
  }
  asio::ip::address_v6::bytes_type b;
  std::copy_n(ip.data(), 16, b.begin());
  return asio::ip::address_v6(b);
}

inline IpAddress from_asio_address(asio::ip::address ip) {
  // An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is reported as plain IPv4.
  if (ip.is_v6() && ip.to_v6().is_v4_mapped()) ip = asio::ip::make_address_v4(asio::ip::v4_mapped, ip.to_v6());
  if (ip.is_v4()) return IpAddress::v4(ip.to_v4().to_bytes());
  auto b6 = ip.to_v6().to_bytes();
  std::array<std::uint8_t, 16> b;
  std::copy(b6.begin(), b6.end(), b.begin());
  return IpAddress::v6(b);
}

inline asio::ip::tcp::endpoint to_tcp_endpoint(const SocketAddress& a) { return {to_asio_address(a.ip), a.port}; }
inline asio::ip::udp::endpoint to_udp_endpoint(const SocketAddress& a) { return {to_asio_address(a.ip), a.port}; }
inline SocketAddress from_tcp_endpoint(const asio::ip::tcp::endpoint& e) { return {from_asio_address(e.address()), e.port()}; }
inline SocketAddress from_udp_endpoint(const asio::ip::udp::endpoint& e) { return {from_asio_address(e.address()), e.port()}; }

}  // namespace confab::net
