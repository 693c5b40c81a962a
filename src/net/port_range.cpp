#include "net/port_range.hpp"

#include <charconv>

namespace confab::net {

std::optional<PortRange> PortRange::parse(std::string_view text) {
  auto number = [](std::string_view s) -> std::optional<std::uint16_t> {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc{} || p != s.data() + s.size() || v == 0 || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
  };
  const auto dash = text.find('-');
  auto first = number(text.substr(0, dash));
  auto last = dash == std::string_view::npos ? first : number(text.substr(dash + 1));
  if (!first || !last || *last < *first) return std::nullopt;
  return PortRange{*first, *last};
}

std::string PortRange::to_string() const {
  return first == last ? std::to_string(first) : std::to_string(first) + "-" + std::to_string(last);
}

Result<std::vector<UdpSocket>, std::string> bind_in_range(const IpAddress& ip, PortRange range, std::size_t count) {
  std::vector<UdpSocket> out;
  for (std::uint32_t port = range.first; port <= range.last && out.size() < count; ++port) {
    std::error_code ec;
    UdpSocketOptions exclusive;
    exclusive.reuse_address = false;
    auto s = UdpSocket::bind({ip, static_cast<std::uint16_t>(port)}, exclusive, ec);
    if (!ec) out.push_back(std::move(s));
  }
  if (out.size() < count)
    return unexpected("no " + std::to_string(count) + " free UDP ports in " + range.to_string() + " on " +
                      ip.to_string() + " for media (" + std::to_string(out.size()) +
                      " free; another call running? --media-ports picks another range)");
  return out;
}

}  // namespace confab::net
