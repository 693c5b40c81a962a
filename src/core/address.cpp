#include "core/address.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace confab {

IpAddress IpAddress::v4(std::array<std::uint8_t, 4> b) {
  IpAddress a;
  a.family_ = IpFamily::v4;
  std::memcpy(a.bytes_.data(), b.data(), 4);
  return a;
}

IpAddress IpAddress::v4(std::uint32_t h) {
  return v4({static_cast<std::uint8_t>(h >> 24), static_cast<std::uint8_t>(h >> 16),
             static_cast<std::uint8_t>(h >> 8), static_cast<std::uint8_t>(h)});
}

IpAddress IpAddress::v6(const std::array<std::uint8_t, 16>& b) {
  IpAddress a;
  a.family_ = IpFamily::v6;
  a.bytes_ = b;
  return a;
}

std::optional<IpAddress> IpAddress::parse(std::string_view text) {
  if (text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  char buf[INET6_ADDRSTRLEN] = {};
  std::memcpy(buf, text.data(), text.size());
  std::array<std::uint8_t, 16> b{};
  if (inet_pton(AF_INET, buf, b.data()) == 1) return v4({b[0], b[1], b[2], b[3]});
  if (inet_pton(AF_INET6, buf, b.data()) == 1) return v6(b);
  return std::nullopt;
}

std::uint32_t IpAddress::v4_host_order() const {
  return (std::uint32_t{bytes_[0]} << 24) | (std::uint32_t{bytes_[1]} << 16) |
         (std::uint32_t{bytes_[2]} << 8) | bytes_[3];
}

bool IpAddress::is_unspecified() const {
  for (std::size_t i = 0; i < size(); ++i)
    if (bytes_[i] != 0) return false;
  return true;
}

bool IpAddress::is_loopback() const {
  if (is_v4()) return bytes_[0] == 127;
  for (std::size_t i = 0; i < 15; ++i)
    if (bytes_[i] != 0) return false;
  return bytes_[15] == 1;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof buf);
  return buf;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view text,
                                                  std::optional<std::uint16_t> default_port) {
  std::string_view host = text;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      port_text = rest.substr(1);
    }
  } else if (auto colon = text.rfind(':'); colon != std::string_view::npos &&
                                           text.find(':') == colon) {  // exactly one ':' → v4:port
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  auto ip = IpAddress::parse(host);
  if (!ip) return std::nullopt;
  std::uint16_t port = 0;
  if (port_text.empty()) {
    if (!default_port) return std::nullopt;
    port = *default_port;
  } else {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size()) return std::nullopt;
  }
  return SocketAddress{*ip, port};
}

std::string SocketAddress::to_string() const {
  if (ip.is_v6()) return "[" + ip.to_string() + "]:" + std::to_string(port);
  return ip.to_string() + ":" + std::to_string(port);
}

std::size_t IpAddressHash::operator()(const IpAddress& a) const noexcept {
  // FNV-1a over family and bytes: cheap, and good enough for per-source maps.
  std::uint64_t h = 1469598103934665603ULL ^ static_cast<std::uint8_t>(a.family());
  for (std::size_t i = 0; i < a.size(); ++i) h = (h ^ a.data()[i]) * 1099511628211ULL;
  return static_cast<std::size_t>(h);
}

std::size_t SocketAddressHash::operator()(const SocketAddress& a) const noexcept {
  return IpAddressHash{}(a.ip) * 31 + a.port;
}


}  // namespace confab

#include "core/transmit.hpp"
namespace confab {
const char* to_string(Transport t) {
  switch (t) {
    case Transport::udp: return "udp";
    case Transport::tcp: return "tcp";
    case Transport::tls: return "tls";
  }
  return "?";
}
}  // namespace confab
