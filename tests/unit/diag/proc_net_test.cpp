// The /proc/net socket tables, as the kernel writes them (lines copied from
// a real /proc/net/tcp and udp6 of this machine, little-endian x86-64).
#include <gtest/gtest.h>

#include <bit>

#include "diag/proc_net.hpp"

namespace confab::diag {
namespace {

constexpr const char* tcp_table =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:1466 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 51234 1 0000000039c2da65 100 0 0 10 0\n"
    "   1: 0100007F:9C40 0100007F:1466 01 00000004:00000002 00:00000000 00000000  1000        0 51240 1 000000000c828746 20 4 30 10 -1\n"
    "   2: 020200C0:88BA 507100CB:0050 06 00000000:00000000 03:000001E4 00000000     0        0 0 3 000000000c828746\n";

constexpr const char* udp6_table =
    "  sl  local_address                         remote_address                        st tx_queue rx_queue tr "
    "tm->when retrnsmt   uid  timeout inode ref pointer drops\n"
    "  384: 00000000000000000000000001000000:4000 00000000000000000000000000000000:0000 07 00000000:00000000 "
    "00:00000000 00000000     0        0 9911 2 0000000000000000 0\n";

TEST(ProcNet, ATcpTableGivesItsListenerConnectionAndTimeWait) {
  if constexpr (std::endian::native != std::endian::little) GTEST_SKIP() << "the lines are a little-endian kernel's";
  auto t = parse_proc_net(tcp_table, Proto::tcp, IpFamily::v4);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->size(), 3u);
  const auto& l = (*t)[0];
  EXPECT_EQ(endpoint_text(l.local), "127.0.0.1:5222");
  EXPECT_EQ(endpoint_text(l.remote, true), "*:*");
  EXPECT_EQ(state_name(Proto::tcp, l.state), "LISTEN");
  EXPECT_EQ(l.uid, 1000u);
  EXPECT_EQ(l.inode, 51234u);
  const auto& c = (*t)[1];
  EXPECT_EQ(endpoint_text(c.local), "127.0.0.1:40000");
  EXPECT_EQ(endpoint_text(c.remote), "127.0.0.1:5222");
  EXPECT_EQ(state_name(Proto::tcp, c.state), "ESTAB");
  EXPECT_EQ(c.send_queue, 4u);
  EXPECT_EQ(c.receive_queue, 2u);
  EXPECT_EQ(endpoint_text((*t)[2].local), "192.0.2.2:35002");
  EXPECT_EQ((*t)[2].inode, 0u);  // TIME_WAIT: nobody owns it
}

TEST(ProcNet, AnIpv6UdpTableGivesAddressesAsTheKernelHoldsThem) {
  if constexpr (std::endian::native != std::endian::little) GTEST_SKIP() << "the lines are a little-endian kernel's";
  auto t = parse_proc_net(udp6_table, Proto::udp, IpFamily::v6);
  ASSERT_TRUE(t) << t.error().message();
  ASSERT_EQ(t->size(), 1u);
  EXPECT_EQ(endpoint_text((*t)[0].local), "[::1]:16384");
  EXPECT_EQ(state_name(Proto::udp, (*t)[0].state), "UNCONN");
  EXPECT_EQ((*t)[0].inode, 9911u);
}

TEST(ProcNet, AHeaderOnlyTableIsEmpty) {
  auto t = parse_proc_net("  sl  local_address rem_address   st tx_queue\n", Proto::udp, IpFamily::v4);
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->empty());
}

TEST(ProcNet, BadLinesAreErrorsThatNameTheLineAndField) {
  std::string bad = tcp_table;
  bad.replace(bad.find("0100007F:9C40"), 13, "0100007G:9C40");
  auto t = parse_proc_net(bad, Proto::tcp, IpFamily::v4);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().line, 3u);
  EXPECT_EQ(t.error().field, "local_address");
  EXPECT_EQ(t.error().message(),
            "/proc/net decode error at line 3 (local_address): \"0100007G:9C40\" is not a hex address:port of this family");

  // An IPv4 table read as IPv6.
  t = parse_proc_net(tcp_table, Proto::tcp, IpFamily::v6);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().line, 2u);

  t = parse_proc_net("not a table\n", Proto::tcp, IpFamily::v4);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().field, "header");

  std::string short_line = std::string(tcp_table).substr(0, std::string(tcp_table).find('\n') + 1) +
                           "   0: 0100007F:1466 00000000:0000 0A\n";
  t = parse_proc_net(short_line, Proto::tcp, IpFamily::v4);
  ASSERT_FALSE(t);
  EXPECT_NE(t.error().message().find("4 fields"), std::string::npos) << t.error().message();

  std::string bad_inode = tcp_table;
  bad_inode.replace(bad_inode.find("51234"), 5, "5x234");
  t = parse_proc_net(bad_inode, Proto::tcp, IpFamily::v4);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().field, "inode");
}

}  // namespace
}  // namespace confab::diag
