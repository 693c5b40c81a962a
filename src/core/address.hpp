#pragma once
// IP addresses and transport addresses, independent of any socket library so
// that codecs and state machines can use them.
#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace confab {

enum class IpFamily : std::uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static IpAddress v4(std::array<std::uint8_t, 4> b);
  static IpAddress v4(std::uint32_t host_order);
  static IpAddress v6(const std::array<std::uint8_t, 16>& b);
  // "192.0.2.1" or "2001:db8::1" (no brackets). nullopt if not an address.
  static std::optional<IpAddress> parse(std::string_view text);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::v4; }
  bool is_v6() const { return family_ == IpFamily::v6; }
  // 4 bytes for v4, 16 for v6, network order.
  const std::uint8_t* data() const { return bytes_.data(); }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::uint32_t v4_host_order() const;

  bool is_unspecified() const;
  bool is_loopback() const;
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::v4;
  std::array<std::uint8_t, 16> bytes_{};  // v4 uses the first 4
};

struct SocketAddress {
  IpAddress ip;
  std::uint16_t port = 0;

  // "192.0.2.1:5678", "[2001:db8::1]:5678". With default_port, a bare
  // address ("192.0.2.1", "2001:db8::1") is accepted too.
  static std::optional<SocketAddress> parse(std::string_view text,
                                            std::optional<std::uint16_t> default_port = std::nullopt);
  std::string to_string() const;

  auto operator<=>(const SocketAddress&) const = default;
  bool operator==(const SocketAddress&) const = default;
};

struct IpAddressHash {
  std::size_t operator()(const IpAddress& a) const noexcept;
};
struct SocketAddressHash {
  std::size_t operator()(const SocketAddress& a) const noexcept;
};

}  // namespace confab
