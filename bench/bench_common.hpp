// Small helpers shared by the bench programs: loopback-only address parsing,
// monotonic time, strict number parsing. Plain Linux, no project dependency.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

struct Endpoint {
  sockaddr_storage ss{};
  socklen_t len = 0;
  int family = AF_INET;

  [[nodiscard]] const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&ss); }
  [[nodiscard]] sockaddr* sa() { return reinterpret_cast<sockaddr*>(&ss); }

  [[nodiscard]] std::uint16_t port() const {
    if (family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_port);
    return ntohs(reinterpret_cast<const sockaddr_in*>(&ss)->sin_port);
  }

  [[nodiscard]] bool is_loopback() const {
    if (family == AF_INET) {
      const auto a = ntohl(reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr.s_addr);
      return (a >> 24) == 127U;
    }
    const auto& a6 = reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(&a6) != 0;
  }

  [[nodiscard]] std::string to_string() const {
    char host[INET6_ADDRSTRLEN] = {};
    char out[INET6_ADDRSTRLEN + 16] = {};
    // snprintf rather than string concatenation: GCC 12 at -O3 gives a false
    // -Wrestrict on `"[" + std::string(...)`.
    if (family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, host,
                sizeof host);
      std::snprintf(out, sizeof out, "[%s]:%u", host, static_cast<unsigned>(port()));
    } else {
      inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, host, sizeof host);
      std::snprintf(out, sizeof out, "%s:%u", host, static_cast<unsigned>(port()));
    }
    return out;
  }
};

template <typename T>
std::optional<T> parse_number(std::string_view s) {
  T v{};
  const auto* end = s.data() + s.size();
  auto [p, ec] = std::from_chars(s.data(), end, v);
  if (ec != std::errc{} || p != end || s.empty()) return std::nullopt;
  return v;
}

// Seconds as a decimal ("5", "0.5"); from_chars for double is in GCC 11+.
inline std::optional<double> parse_seconds(std::string_view s) {
  auto v = parse_number<double>(s);
  if (!v || !(*v >= 0.0) || *v > 86400.0) return std::nullopt;
  return v;
}

// "127.0.0.1:3478", "[::1]:3478". Port 0 allowed (caller decides).
inline std::optional<Endpoint> parse_endpoint(std::string_view s) {
  Endpoint e;
  std::string host;
  std::string_view port_str;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':')
      return std::nullopt;
    host = std::string(s.substr(1, close - 1));
    port_str = s.substr(close + 2);
  } else {
    const auto colon = s.rfind(':');
    if (colon == std::string_view::npos) return std::nullopt;
    host = std::string(s.substr(0, colon));
    port_str = s.substr(colon + 1);
  }
  const auto port = parse_number<std::uint16_t>(port_str);
  if (!port) return std::nullopt;
  in_addr a4{};
  in6_addr a6{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&e.ss);
    sin->sin_family = AF_INET;
    sin->sin_addr = a4;
    sin->sin_port = htons(*port);
    e.len = sizeof(sockaddr_in);
    e.family = AF_INET;
    return e;
  }
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&e.ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = a6;
    sin6->sin6_port = htons(*port);
    e.len = sizeof(sockaddr_in6);
    e.family = AF_INET6;
    return e;
  }
  return std::nullopt;
}

inline std::int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline std::int64_t seconds_to_ns(double s) { return static_cast<std::int64_t>(s * 1e9); }

}  // namespace bench
