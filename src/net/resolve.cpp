#include "net/resolve.hpp"

#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "net/sockaddr.hpp"

namespace confab::net {

Result<SocketAddress, std::string> resolve(const std::string& host_port, std::uint16_t default_port) {
  if (auto literal = SocketAddress::parse(host_port, default_port)) return *literal;
  std::string host = host_port;
  std::uint16_t port = default_port;
  if (auto colon = host_port.rfind(':'); colon != std::string::npos && host_port.find(':') == colon) {
    host = host_port.substr(0, colon);
    auto p = host_port.substr(colon + 1);
    auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
    if (ec != std::errc{} || end != p.data() + p.size() || port == 0)
      return unexpected("\"" + p + "\" is not a port number (1-65535)");
  }
  if (host.empty()) return unexpected(std::string("no server host given"));
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &res);
  if (rc != 0) return unexpected("cannot resolve \"" + host + "\": " + ::gai_strerror(rc));
  std::optional<SocketAddress> v4, v6;
  for (auto* ai = res; ai; ai = ai->ai_next) {
    sockaddr_storage ss{};
    std::memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    auto a = from_sockaddr(ss);
    a.port = port;
    if (a.ip.is_v4() && !v4) v4 = a;
    if (a.ip.is_v6() && !v6) v6 = a;
  }
  ::freeaddrinfo(res);
  if (v4) return *v4;
  if (v6) return *v6;
  return unexpected("\"" + host + "\" has no IPv4 or IPv6 address");
}

std::vector<IpAddress> interface_addresses() {
  std::vector<IpAddress> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr) continue;
    int family = i->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    sockaddr_storage ss{};
    std::memcpy(&ss, i->ifa_addr, family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6));
    out.push_back(from_sockaddr(ss).ip);
  }
  ::freeifaddrs(list);
  return out;
}

}  // namespace confab::net
