// The netlink sock_diag codec: the dump request's bytes, and hand-built
// answers (the layouts of include/uapi/linux/inet_diag.h) parsed back,
// including the ways a datagram can be wrong.
#include <gtest/gtest.h>

#include <cstring>

#include "diag/sock_diag.hpp"

namespace confab::diag {
namespace {

std::uint32_t u32_at(const Bytes& b, std::size_t at) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}
std::uint16_t u16_at(const Bytes& b, std::size_t at) {
  std::uint16_t v;
  std::memcpy(&v, b.data() + at, 2);
  return v;
}
void put_u32(Bytes& b, std::size_t at, std::uint32_t v) { std::memcpy(b.data() + at, &v, 4); }

SocketRecord listener_v4() {
  SocketRecord s;
  s.proto = Proto::tcp;
  s.local = *SocketAddress::parse("0.0.0.0:5222");
  s.remote = *SocketAddress::parse("0.0.0.0:0");
  s.state = static_cast<std::uint8_t>(SocketState::listen);
  s.uid = 1000;
  s.inode = 424242;
  return s;
}

SocketRecord connection_v6() {
  SocketRecord s;
  s.proto = Proto::tcp;
  s.local = *SocketAddress::parse("[2001:db8::1]:40000");
  s.remote = *SocketAddress::parse("[2001:db8::2]:5223");
  s.state = static_cast<std::uint8_t>(SocketState::established);
  s.inode = 77;
  s.send_queue = 3;
  s.receive_queue = 5;
  return s;
}

Bytes concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(SockDiag, TheDumpRequestAsksForEveryStateOfOneProtocolAndFamily) {
  const Bytes r = dump_request({Proto::udp, IpFamily::v6, 7});
  ASSERT_EQ(r.size(), 72u);
  EXPECT_EQ(u32_at(r, 0), 72u);                       // nlmsg_len
  EXPECT_EQ(u16_at(r, 4), 20);                        // SOCK_DIAG_BY_FAMILY
  EXPECT_EQ(u16_at(r, 6), nlm_f_request | nlm_f_dump);
  EXPECT_EQ(u32_at(r, 8), 7u);                        // sequence
  EXPECT_EQ(r[16], af_inet6);
  EXPECT_EQ(r[17], 17);                               // IPPROTO_UDP
  EXPECT_EQ(u32_at(r, 20), 0xFFFFFFFFu);              // idiag_states
  for (std::size_t i = 24; i < 72; ++i) EXPECT_EQ(r[i], 0) << i;  // no socket filter
  EXPECT_EQ(dump_request({Proto::tcp, IpFamily::v4, 1})[17], 6);  // IPPROTO_TCP
}

TEST(SockDiag, ADatagramOfSocketsAndDoneParsesToTheSockets) {
  const Bytes d = concat({encode_diag_message(listener_v4(), 3), encode_diag_message(listener_v4(), 3),
                          encode_done(3)});
  auto c = parse_dump_datagram(d, {Proto::tcp, IpFamily::v4, 3});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->done);
  ASSERT_EQ(c->sockets.size(), 2u);
  EXPECT_EQ(c->sockets[0], listener_v4());
  EXPECT_EQ(state_name(Proto::tcp, c->sockets[0].state), "LISTEN");
  EXPECT_TRUE(c->sockets[0].listening());
}

TEST(SockDiag, PortsAndAddressesAreNetworkOrderAndIpv6IsWhole) {
  const Bytes m = encode_diag_message(connection_v6(), 1);
  EXPECT_EQ(m[16 + 4], 40000 >> 8);  // idiag_sport, big-endian
  EXPECT_EQ(m[16 + 5], 40000 & 0xFF);
  auto c = parse_dump_datagram(m, {Proto::tcp, IpFamily::v6, 1});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->done);  // more datagrams follow
  ASSERT_EQ(c->sockets.size(), 1u);
  EXPECT_EQ(c->sockets[0], connection_v6());
  EXPECT_EQ(endpoint_text(c->sockets[0].remote, true), "[2001:db8::2]:5223");
}

TEST(SockDiag, AnUnconnectedUdpSocketIsUnconn) {
  SocketRecord s;
  s.proto = Proto::udp;
  s.local = *SocketAddress::parse("127.0.0.1:16384");
  s.state = static_cast<std::uint8_t>(SocketState::close);
  s.inode = 9;
  auto c = parse_dump_datagram(encode_diag_message(s, 2), {Proto::udp, IpFamily::v4, 2});
  ASSERT_TRUE(c);
  EXPECT_EQ(state_name(Proto::udp, c->sockets[0].state), "UNCONN");
  EXPECT_TRUE(c->sockets[0].listening());
  EXPECT_EQ(endpoint_text(c->sockets[0].remote, true), "*:*");
}

TEST(SockDiag, AttributesAfterTheMessageAreSkipped) {
  Bytes m = encode_diag_message(listener_v4(), 1);
  // An rtattr (INET_DIAG_SHUTDOWN, 1 byte + padding) as newer kernels add.
  const std::uint8_t attr[8] = {5, 0, 8, 0, 0, 0, 0, 0};
  m.insert(m.end(), attr, attr + 8);
  put_u32(m, 0, static_cast<std::uint32_t>(m.size()));
  auto c = parse_dump_datagram(concat({m, encode_done(1)}), {Proto::tcp, IpFamily::v4, 1});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->sockets.size(), 1u);
  EXPECT_TRUE(c->done);
}

TEST(SockDiag, AKernelErrorIsReportedWithItsErrno) {
  Bytes e(16 + 20, 0);
  put_u32(e, 0, static_cast<std::uint32_t>(e.size()));
  e[4] = nlmsg_error;
  put_u32(e, 8, 5);
  put_u32(e, 16, static_cast<std::uint32_t>(-2));  // -ENOENT: no such protocol handler
  auto c = parse_dump_datagram(e, {Proto::udp, IpFamily::v4, 5});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::kernel_error);
  EXPECT_EQ(c.error().kernel_errno, 2);
  EXPECT_NE(c.error().message().find("NLMSG_ERROR"), std::string::npos) << c.error().message();
}

TEST(SockDiag, AShortOrOverlongLengthIsABadLengthAtItsByte) {
  Bytes d = concat({encode_diag_message(listener_v4(), 1), encode_done(1)});
  Bytes overlong = d;
  put_u32(overlong, 88, 400);  // the NLMSG_DONE claims more than is there
  auto c = parse_dump_datagram(overlong, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::bad_length);
  EXPECT_EQ(c.error().offset, 88u);
  EXPECT_EQ(c.error().message_index, 1u);

  Bytes tiny = d;
  put_u32(tiny, 0, 8);
  c = parse_dump_datagram(tiny, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::bad_length);
  EXPECT_EQ(c.error().message(),
            "sock_diag decode error at byte 0 (message 0, nlmsghdr): bad length: nlmsg_len 8 is below the 16-byte header");
}

TEST(SockDiag, APayloadTooShortForInetDiagMsgIsTruncated) {
  Bytes m = encode_diag_message(listener_v4(), 1);
  m.resize(16 + 40);
  put_u32(m, 0, static_cast<std::uint32_t>(m.size()));
  auto c = parse_dump_datagram(m, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::truncated);
  EXPECT_EQ(c.error().field, "inet_diag_msg");
  EXPECT_FALSE(parse_dump_datagram(Bytes(10, 0), {Proto::tcp, IpFamily::v4, 1}));  // not even a header
}

TEST(SockDiag, AnAnswerToAnotherRequestOrFamilyIsRefused) {
  auto c = parse_dump_datagram(encode_diag_message(listener_v4(), 9), {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::wrong_sequence);
  c = parse_dump_datagram(encode_diag_message(listener_v4(), 1), {Proto::tcp, IpFamily::v6, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::bad_family);
  Bytes m = encode_diag_message(listener_v4(), 1);
  m[16] = 1;  // AF_UNIX
  c = parse_dump_datagram(m, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::bad_family);
}

TEST(SockDiag, AnUnknownMessageTypeIsUnexpected) {
  Bytes m = encode_done(1);
  m[4] = 0x30;
  auto c = parse_dump_datagram(m, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().code, SockDiagErrorCode::unexpected_type);
}

TEST(SockDiag, AnErrorInDoneEndsTheDumpWithAnError) {
  Bytes m = encode_done(1);
  put_u32(m, 16, static_cast<std::uint32_t>(-16));  // -EBUSY
  auto c = parse_dump_datagram(m, {Proto::tcp, IpFamily::v4, 1});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().kernel_errno, 16);
}

}  // namespace
}  // namespace confab::diag
