#include "core/address.hpp"

#include <gtest/gtest.h>

using namespace confab;

TEST(IpAddress, ParsesAndPrintsIpv4AndIpv6) {
  EXPECT_EQ(IpAddress::parse("192.0.2.1")->to_string(), "192.0.2.1");
  EXPECT_EQ(IpAddress::parse("2001:db8::1")->to_string(), "2001:db8::1");
  EXPECT_TRUE(IpAddress::parse("2001:db8::1")->is_v6());
  EXPECT_FALSE(IpAddress::parse("192.0.2.256"));
  EXPECT_FALSE(IpAddress::parse("example.org"));
  EXPECT_FALSE(IpAddress::parse(""));
}

TEST(IpAddress, KnowsUnspecifiedAndLoopback) {
  EXPECT_TRUE(IpAddress::parse("0.0.0.0")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("::")->is_unspecified());
  EXPECT_TRUE(IpAddress::parse("127.0.0.5")->is_loopback());
  EXPECT_TRUE(IpAddress::parse("::1")->is_loopback());
  EXPECT_FALSE(IpAddress::parse("192.0.2.1")->is_loopback());
}

TEST(SocketAddress, ParsesWithAndWithoutPort) {
  EXPECT_EQ(SocketAddress::parse("192.0.2.1:5678")->port, 5678);
  EXPECT_EQ(SocketAddress::parse("[2001:db8::1]:3478")->to_string(), "[2001:db8::1]:3478");
  EXPECT_FALSE(SocketAddress::parse("192.0.2.1"));
  EXPECT_EQ(SocketAddress::parse("192.0.2.1", 5678)->port, 5678);
  EXPECT_EQ(SocketAddress::parse("2001:db8::1", 5678)->to_string(), "[2001:db8::1]:5678");
  EXPECT_FALSE(SocketAddress::parse("192.0.2.1:99999"));
  EXPECT_FALSE(SocketAddress::parse("192.0.2.1:56x"));
  EXPECT_FALSE(SocketAddress::parse("[2001:db8::1"));
}

TEST(SocketAddress, OrdersAndHashesByValue) {
  auto a = *SocketAddress::parse("192.0.2.1:1");
  auto b = *SocketAddress::parse("192.0.2.1:2");
  EXPECT_LT(a, b);
  EXPECT_EQ(SocketAddressHash{}(a), SocketAddressHash{}(*SocketAddress::parse("192.0.2.1:1")));
}
